"""The episode editor in Chromium: edited with the keyboard alone, and axe finds nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.models import Chapter, Episode
from app.services.episodes import add_episode
from tests.app.conftest import PASSWORD
from tests.support.browser import axe_violations


@pytest.fixture
def draft_id(app, site, long_audio) -> int:
    """A 30-second draft next to the site's published episode."""
    with app.app_context(), long_audio.open("rb") as audio:
        return add_episode("testpodden", audio, title="Utkastet", publish=False).id


def tab_to(page, selector: str, limit: int = 200) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def type_date(page, selector: str, year: str, month: str, day: str) -> None:
    """Type into a date input part by part; its order follows Chromium's own UI locale."""
    orders = ((year, month, day), (month, day, year), (day, month, year))
    type_parts(page, selector, orders, f"{year}-{month}-{day}")


def type_time(page, selector: str, hour: str, minute: str) -> None:
    """A 24-hour clock, or a 12-hour one with AM/PM, as Chromium's UI locale has it."""
    afternoon = int(hour) >= 12
    twelve = f"{(int(hour) - 1) % 12 + 1:02d}"
    orders = ((hour, minute), (twelve, minute, "P" if afternoon else "A"))
    type_parts(page, selector, orders, f"{hour}:{minute}")


def type_parts(page, selector: str, orders, expected: str) -> None:
    """Try each order of parts until the input's value is ``expected``."""
    inside = f"document.activeElement.matches({selector!r})"
    for parts in orders:
        tab_to(page, selector)  # Tab enters at the first part
        for part in parts:
            page.keyboard.type(part)
        if page.evaluate(f"document.querySelector({selector!r}).value") == expected:
            return
        while page.evaluate(inside):  # Shift+Tab walks back through the parts, then out
            page.keyboard.press("Shift+Tab")
    raise AssertionError(f"{selector} took none of the part orders")


def log_in_with_keyboard(page, url: str, email: str) -> None:
    page.goto(url + "/studio/login")
    tab_to(page, "#email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/studio/")


def test_edit_add_chapter_and_schedule_with_keyboard_only(page, app, site, producer, draft_id):
    log_in_with_keyboard(page, site.url, producer)
    editor = f"{site.url}/studio/testpodden/episodes/{draft_id}/edit"
    page.goto(editor)

    tab_to(page, "#title")
    page.keyboard.press("Control+A")
    page.keyboard.type("Lindängen förr och nu")
    tab_to(page, "#notes_markdown")
    page.keyboard.type("Om **husen** i Lindängen.")

    tab_to(page, "[data-add-row='chapters']")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "chapters-3-start"
    page.keyboard.type("0:00:10")
    page.keyboard.press("Tab")
    page.keyboard.type("Husen")

    type_date(page, "#publish_date", "2030", "01", "15")
    type_time(page, "#publish_time", "12", "30")
    assert page.evaluate("document.querySelector('#publish_date').value") == "2030-01-15"
    tab_to(page, "button[value='schedule']")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url.startswith(editor)
    assert page.locator(".error").all_inner_texts() == []
    assert page.locator(".flash").first.is_visible()
    with app.app_context():
        episode = db.session.get(Episode, draft_id)
        assert episode.title == "Lindängen förr och nu"
        # 12:30 in Stockholm in January is 11:30 UTC.
        assert episode.published_at == datetime(2030, 1, 15, 11, 30, tzinfo=UTC)
        chapters = db.session.query(Chapter).filter_by(episode_id=draft_id).all()
        assert [(c.start_seconds, c.title) for c in chapters] == [(10.0, "Husen")]
    assert axe_violations(page) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_editor_pages_have_no_axe_violations(page, app, site, producer, draft_id, scheme):
    page.emulate_media(color_scheme=scheme)
    log_in_with_keyboard(page, site.url, producer)
    base = f"{site.url}/studio/testpodden"
    failures = {}
    for path in (
        f"/episodes/{draft_id}/edit",
        f"/episodes/{draft_id}/edit?lang=en",
        f"/episodes/{draft_id}/delete",
        f"/episodes/{draft_id}/preview",
        "/",
    ):
        page.goto(base + path)
        violations = axe_violations(page)
        if violations:
            failures[path] = violations
    # The editor with errors beside the fields.
    page.goto(base + f"/episodes/{draft_id}/edit")
    page.fill("#title", "")
    page.fill("#chapters-0-start", "inte en tid")
    with page.expect_navigation():
        page.click("button[value='save']")
    assert page.locator("#title-error").is_visible()
    # The page opens at the summary of what to fix, focused for screen readers and Tab.
    assert page.evaluate("document.activeElement.matches('[data-error-summary]')")
    assert page.locator("[data-error-summary] a[href='#title']").is_visible()
    assert page.locator("[data-error-summary] a[href='#chapters-0-start']").is_visible()
    violations = axe_violations(page)
    if violations:
        failures["errors"] = violations
    assert failures == {}
