"""No lost work in the episode editor, in Chromium: notes and three chapters typed, a
transcript and artwork attached without a reload, a crashed tab's draft offered back,
a warning before leaving; and the editor and statistics at phone and desktop widths.

Screenshots go to ``PODHOST_SCREENSHOTS`` (default ``test-artifacts/screenshots``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from app.extensions import db
from app.models import (
    Chapter,
    DailyCountryDownloads,
    DailyDownloads,
    Episode,
    EpisodeDraft,
    utcnow,
)
from app.services.episodes import add_episode
from tests.app.browser.conftest import TRANSCRIPT_SV, wait_for
from tests.app.browser.test_editor import log_in_with_keyboard
from tests.app.conftest import PASSWORD
from tests.support.browser import axe_violations

SHOTS = Path(os.environ.get("PODHOST_SCREENSHOTS", "test-artifacts/screenshots"))
NOTES = "Om **husen** i Lindängen.\n\n- Vi träffar Amira\n- Vi går runt kvarteret\n\nÅäö €"
CHAPTERS = [("0:00:00", "Inledning"), ("0:00:10", "Husen"), ("0:00:20", "Avslutning")]


@pytest.fixture
def draft_id(app, site, long_audio) -> int:
    with app.app_context(), long_audio.open("rb") as audio:
        return add_episode("testpodden", audio, title="Utkastet", publish=False).id


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    vtt = tmp_path / "avsnitt.vtt"
    vtt.write_text(TRANSCRIPT_SV, encoding="utf-8")
    art = tmp_path / "omslag.png"
    Image.new("RGB", (1400, 1400), (0, 120, 150)).save(art, "PNG")
    return {"vtt": vtt, "art": art}


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 800, "height": 900})


WIDE_ELEMENTS = """
[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
       (e.className && e.className.baseVal === undefined ? '.' + e.className : ''))
  .slice(0, 8)
"""


def sideways_at_320(page) -> list[str]:
    """The elements that stick out at 320 CSS px; [] when the page does not scroll sideways."""
    page.set_viewport_size({"width": 320, "height": 800})
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    culprits = page.evaluate(WIDE_ELEMENTS) if wide else []
    page.set_viewport_size({"width": 800, "height": 900})
    return culprits or (["(the page)"] if wide else [])


def typed_values(page) -> dict[str, str]:
    names = ["notes_markdown"] + [
        f"chapters-{row}-{part}" for row in range(3) for part in ("start", "title")
    ]
    return {name: page.input_value(f"[name='{name}']") for name in names}


def type_work(page) -> dict[str, str]:
    page.fill("#notes_markdown", "")
    page.type("#notes_markdown", NOTES)
    for row, (start, title) in enumerate(CHAPTERS):
        page.type(f"#chapters-{row}-start", start)
        page.type(f"#chapters-{row}-title", title)
    return typed_values(page)


def test_attaching_files_loses_no_character_and_a_crashed_tab_gets_its_draft_back(
    browser, page, app, site, producer, draft_id, files
):
    log_in_with_keyboard(page, site.url, producer)
    editor = f"{site.url}/studio/testpodden/episodes/{draft_id}/edit"
    page.goto(editor)
    typed = type_work(page)

    # A transcript, then artwork, each with its own button: no reload, nothing lost.
    page.set_input_files("#transcript", str(files["vtt"]))
    page.click("#transcripts-section button[data-attach]:not([name])")
    wait_for(page, "document.querySelector('#transcripts-section li') !== null")
    page.set_input_files("#artwork", str(files["art"]))
    page.click("#artwork-section button[data-attach]:not([name])")
    wait_for(page, "document.querySelector('#artwork-section img') !== null")
    assert page.url == editor
    assert typed_values(page) == typed
    assert page.inner_text("[data-attach-messages]").strip()  # the server's "saved", said
    with app.app_context():
        episode = db.session.get(Episode, draft_id)
        assert [t.language for t in episode.transcripts] == ["sv"]
        assert episode.image is not None
        assert episode.notes_markdown is None  # typed, not saved
        version = episode.lock_version
    assert page.input_value("input[name='lock_version']") == str(version)
    shoot(page, "editor-files-attached")

    # The autosave keeps the text on the server; the tab then dies without a goodbye.
    wait_for(page, "document.querySelector('[data-draft-status]').textContent.includes('Utkast')")
    page.close(run_before_unload=False)
    again = page.context.new_page()
    again.goto(editor)
    assert again.locator("[data-draft-offer]").is_visible()
    assert again.input_value("#notes_markdown") == ""
    shoot(again, "editor-draft-offered")
    assert axe_violations(again) == []
    with again.expect_navigation():
        again.click("[data-draft-offer] a")
    assert typed_values(again) == typed

    # Leaving with unsaved changes asks first; staying keeps everything.
    again.focus("#chapters-2-title")
    again.keyboard.press("End")
    again.keyboard.type(" och tack")
    dialogs = []
    again.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    again.close(run_before_unload=True)
    for _ in range(50):
        if dialogs:
            break
        again.wait_for_timeout(100)
    assert dialogs == ["beforeunload"]
    assert not again.is_closed()

    # Saved, the draft is the episode and goes away.
    with again.expect_navigation():
        again.click("button[value='save']")
    assert again.locator(".error").all_inner_texts() == []
    with app.app_context():
        episode = db.session.get(Episode, draft_id)
        assert episode.notes_markdown.replace("\r\n", "\n") == NOTES  # forms send CRLF
        chapters = db.session.query(Chapter).filter_by(episode_id=draft_id).all()
        assert [c.title for c in chapters] == ["Inledning", "Husen", "Avslutning och tack"]
        assert db.session.query(EpisodeDraft).count() == 0


def test_without_script_a_file_button_keeps_the_text_too(
    browser, app, site, producer, draft_id, files
):
    context = browser.new_context(
        locale="sv-SE", java_script_enabled=False, viewport={"width": 800, "height": 900}
    )
    page = context.new_page()
    try:
        page.goto(site.url + "/studio/login")
        page.fill("#email", producer)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.press("#password", "Enter")
        page.goto(f"{site.url}/studio/testpodden/episodes/{draft_id}/edit")
        typed = type_work(page)
        page.set_input_files("#transcript", str(files["vtt"]))
        with page.expect_navigation():
            page.click("#transcripts-section button[data-attach]:not([name])")
        assert "draft=restore" in page.url
        assert typed_values(page) == typed
    finally:
        context.close()


def test_editor_and_statistics_fit_a_phone_and_pass_axe(
    page, app, site, producer, draft_id, long_audio
):
    with app.app_context(), long_audio.open("rb") as audio:
        episode = add_episode(
            "testpodden",
            audio,
            title="Ett avsnitt med en mycket lång titel om Lindängens upprustning",
            published_at=datetime(2025, 6, 1, tzinfo=UTC),
        )
        today = utcnow().date()
        for back in range(400):  # a year of made-up counts, so the charts have bars
            day = today - timedelta(days=back)
            downloads = 20 + (back * 37) % 60
            db.session.add(
                DailyDownloads(
                    day=day,
                    episode_id=episode.id,
                    app="Apple Podcasts",
                    platform="Apple iPhone",
                    downloads=downloads,
                )
            )
            db.session.add(
                DailyCountryDownloads(
                    day=day, episode_id=episode.id, country="SE", downloads=downloads
                )
            )
        db.session.commit()
    log_in_with_keyboard(page, site.url, producer)
    base = f"{site.url}/studio/testpodden"
    failures = {}
    for name, path in (
        ("editor", f"/episodes/{draft_id}/edit"),
        ("statistics-1", "/analytics?days=1"),
        ("statistics-7", "/analytics?days=7"),
        ("statistics-30", "/analytics?days=30"),
        ("statistics-365", "/analytics?days=365"),
    ):
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.goto(base + path)
            wide = sideways_at_320(page)
            if wide:
                failures[f"{name} {scheme} 320px"] = wide
            violations = axe_violations(page)
            if violations:
                failures[f"{name} {scheme}"] = violations
        page.emulate_media(color_scheme="light")
        if name in ("editor", "statistics-1", "statistics-30", "statistics-365"):
            shoot(page, name)
    assert failures == {}


def test_a_bare_show_says_what_is_missing(page, app, site, producer):
    log_in_with_keyboard(page, site.url, producer)
    page.goto(f"{site.url}/studio/testpodden/")
    missing = page.locator("[data-missing] li").all_inner_texts()
    assert any("platshållare" in text for text in missing)
    shoot(page, "show-readiness")
