"""The producer's studio in Chromium: the journey in Swedish on a desktop and a phone,
no sideways scrolling at 320 CSS px, and axe-core on every page in light and dark.

Screenshots of each step go to ``test-artefacts/studio/`` (or ``$PODHOST_ARTEFACTS``);
with ``PODHOST_UPDATE_SCREENSHOTS=1`` a few of them are copied to ``docs/screenshots/``
for the README.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from tests.app.browser.conftest import wait_for
from tests.app.conftest import PASSWORD
from tests.support import browser as support
from tests.support.browser import axe_violations

ROOT = Path(__file__).resolve().parents[3]
ARTEFACTS = Path(os.environ.get("PODHOST_ARTEFACTS") or ROOT / "test-artefacts") / "studio"
README_SHOTS = ROOT / "docs" / "screenshots"
ADMIN = "producent@malmo.example"
SUMMARY = "document.querySelector('[data-summary] .upload-summary')"
WIDTHS = {"desktop": 1280, "phone": 390}
# Which steps the README shows, under which name.
FOR_README = {
    ("desktop", "03-show"): "studio-show.png",
    ("phone", "02-new-show-errors"): "studio-new-show-errors-phone.png",
    ("phone", "04-uploaded"): "studio-upload-phone.png",
    ("desktop", "07-scheduled"): "studio-episodes.png",
}


@pytest.fixture
def studio_site(app):
    from app.services.users import create_user

    with app.app_context():
        create_user(ADMIN, PASSWORD, is_admin=True)
    with support.serve(app) as server:
        app.config["PUBLIC_BASE_URL"] = server.url
        yield server


@pytest.fixture
def artwork(tmp_path) -> Path:
    path = tmp_path / "omslag.png"
    Image.new("RGB", (1400, 1400), (0, 120, 150)).save(path)
    return path


def overflow(page) -> int:
    """How many CSS px the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


class Journey:
    """Steps with a screenshot each, all at one width."""

    def __init__(self, page, device: str) -> None:
        self.page, self.device = page, device
        ARTEFACTS.mkdir(parents=True, exist_ok=True)

    def shot(self, step: str) -> None:
        assert overflow(self.page) <= 0, f"{step} scrolls sideways"
        path = ARTEFACTS / f"{self.device}-{step}.png"
        self.page.screenshot(path=path, full_page=True)
        name = FOR_README.get((self.device, step))
        if name and os.environ.get("PODHOST_UPDATE_SCREENSHOTS"):
            README_SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, README_SHOTS / name)


@pytest.mark.parametrize("device", WIDTHS)
def test_a_producer_makes_a_show_and_publishes_in_swedish(
    app, browser, studio_site, long_audio, artwork, device
):
    context = browser.new_context(locale="sv-SE", viewport={"width": WIDTHS[device], "height": 900})
    page = context.new_page()
    journey = Journey(page, device)
    base = studio_site.url

    page.goto(base + "/studio/login")
    page.get_by_label("E-post").fill(ADMIN)
    page.get_by_label("Lösenord").fill(PASSWORD)
    journey.shot("01-login")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/studio/")

    # A new show: an empty form names every missing field at once, focused.
    page.get_by_role("link", name="Skapa en podd").click()
    page.get_by_label("Ägarens e-post").fill("")
    page.get_by_role("button", name="Skapa podden").click()
    summary = page.locator("[data-error-summary]")
    assert summary.get_by_role("heading").inner_text().startswith("2 saker att rätta")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert summary.get_by_role("link").all_inner_texts() == [
        "Titel: Ge podden en titel.",
        "Ägarens e-post: Skriv en giltig e-postadress.",
    ]
    journey.shot("02-new-show-errors")
    page.get_by_label("Titel").fill("Miljonprogramspodden i Malmö")
    assert page.get_by_label("Adressnamn").input_value() == "miljonprogramspodden-i-malmo"
    page.get_by_label("Beskrivning").fill("Samtal om miljonprogrammets framtid i Malmö.")
    page.get_by_label("Omslagsbild (valfri)").set_input_files(str(artwork))
    page.get_by_label("Kategori").select_option(label="Dokumentär")
    page.get_by_label("Ägarens e-post").fill("podd@malmo.example")
    page.get_by_role("button", name="Skapa podden").click()
    page.wait_for_url("**/studio/miljonprogramspodden-i-malmo/")
    assert page.get_by_role("status").inner_text() == (
        "Podden ”Miljonprogramspodden i Malmö” är skapad."
    )
    journey.shot("03-show")

    # Upload from the show page, which leads with it; save as a draft.
    page.get_by_role("link", name="Ladda upp ett nytt avsnitt").click()
    page.get_by_label("Ljudfil").set_input_files(str(long_audio))
    wait_for(page, SUMMARY, timeout=30)
    detail = page.locator("#upload-detail").inner_text()
    assert "kvar" not in detail and "av" in detail
    page.get_by_label("Titel").fill("Lindängen")
    journey.shot("04-uploaded")
    page.get_by_role("button", name="Spara som utkast").click()
    page.wait_for_url("**/studio/miljonprogramspodden-i-malmo/")

    # The editor is another page's business; here it is opened, and the episode scheduled.
    page.get_by_role("link", name="Lindängen").click()
    page.wait_for_url("**/edit")
    journey.shot("05-editor")
    tomorrow = datetime.now(UTC) + timedelta(days=2)
    page.fill("[name=publish_date]", tomorrow.strftime("%Y-%m-%d"))
    page.fill("[name=publish_time]", "07:00")
    page.click("button[name=action][value=schedule]")
    page.goto(base + "/studio/miljonprogramspodden-i-malmo/")
    assert page.get_by_role("heading", name="Nästa schemalagda avsnitt").is_visible()

    # A second episode, published at once from the upload page.
    page.get_by_role("link", name="Ladda upp ett nytt avsnitt").click()
    page.get_by_label("Ljudfil").set_input_files(str(long_audio))
    wait_for(page, SUMMARY, timeout=30)
    page.get_by_label("Titel").fill("Rosengård")
    page.get_by_role("button", name="Publicera nu").click()
    page.wait_for_url("**/studio/miljonprogramspodden-i-malmo/")
    journey.shot("06-published")
    page.get_by_role("link", name="Schemalagt (1)").click()
    rows = page.locator("table tbody tr")
    assert rows.count() == 1 and "Lindängen" in rows.first.inner_text()
    journey.shot("07-scheduled")

    page.get_by_role("link", name="Statistik").click()
    journey.shot("08-statistics")
    context.close()


STUDIO_PAGES = (
    "/studio/",
    "/studio/testpodden/",
    "/studio/testpodden/?status=draft",
    "/studio/testpodden/settings",
    "/studio/testpodden/members",
    "/studio/testpodden/episodes/new",
    "/studio/testpodden/episodes/{episode}/edit",
    "/studio/testpodden/episodes/{episode}/delete",
    "/studio/testpodden/import",
    "/studio/testpodden/analytics",
    "/studio/import",
    "/studio/admin/",
    "/studio/admin/shows/new",
)


@pytest.fixture
def studio_pages(app, show, studio_site, audio_dir):
    from app.services.episodes import add_episode

    # A long Swedish compound, as titles have: it must wrap, not widen the page.
    title = "Stadsbyggnadskontorets samrådsmöteskallelseinformationsavsnitt"
    with app.app_context(), (audio_dir / "tagged.mp3").open("rb") as stream:
        episode = add_episode(show, stream, title=title, publish=False)
        return [path.format(episode=episode.id) for path in STUDIO_PAGES]


def logged_in(browser, base: str, width: int, scheme: str):
    context = browser.new_context(
        locale="sv-SE", viewport={"width": width, "height": 800}, color_scheme=scheme
    )
    page = context.new_page()
    page.goto(base + "/studio/login")
    before = {"/studio/login": (overflow(page), axe_violations(page))}
    page.fill("input[name=email]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/studio/")
    return context, page, before


def test_no_studio_page_scrolls_sideways_at_320_px(browser, studio_site, studio_pages):
    context, page, before = logged_in(browser, studio_site.url, 320, "light")
    wide = {path: wider for path, (wider, _) in before.items() if wider > 0}
    for path in studio_pages:
        page.goto(studio_site.url + path)
        if overflow(page) > 0:
            wide[path] = overflow(page)
    context.close()
    assert wide == {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS.values())
def test_no_axe_violations_on_studio_pages(browser, studio_site, studio_pages, scheme, width):
    context, page, before = logged_in(browser, studio_site.url, width, scheme)
    failures = {path: found for path, (_, found) in before.items() if found}
    for path in studio_pages:
        page.goto(studio_site.url + path)
        if violations := axe_violations(page):
            failures[path] = violations
    context.close()
    assert failures == {}
