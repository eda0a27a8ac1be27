"""The listener's pages as a phone and a desktop show them, in Swedish and English.

Home, show, episode, search, the feed opened in a browser (its XSLT page) and the
embed, at 320, 390 and 1280 CSS px: no sideways scrolling (WCAG 2.1 1.4.10), no axe
violations, no console errors, no Nu Html Checker errors. The 390 and 1280 px views
are kept as screenshots under ``test-artefacts/screenshots`` (``PODHOST_ARTEFACTS``
moves them); the 390 px ones are copied to ``docs/screenshots`` for the README.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from app.services.directories import set_directory_link
from app.services.feed_extras import set_persons
from tests.app.browser.conftest import wait_for
from tests.conftest import missing_service
from tests.support.browser import ROOT, axe_violations, vnu_errors

ARTEFACTS = Path(os.environ.get("PODHOST_ARTEFACTS", ROOT / "test-artefacts"))
EMBED = "/embed/testpodden/avsnitt-1"
PAGES = {
    "home": "/",
    "show": "/testpodden/",
    "episode": "/testpodden/episodes/avsnitt-1",
    "search": "/search?q=rosengard",
    "feed": "/testpodden/feed.xml",
    "embed": EMBED,
}


@pytest.fixture
def listed(app, show, site):
    """The browser tests' site, with credits and two directories that list the show."""
    with app.app_context():
        set_persons(
            show,
            [
                {"name": "Anna Andersson", "role": "host", "href": "https://malmo.se/anna"},
                {"name": "Bo Berg", "role": "guest"},
            ],
        )
        set_directory_link(show, "apple", "https://podcasts.apple.com/se/podcast/id1")
        set_directory_link(show, "spotify", "https://open.spotify.com/show/abc")
    return site


def _address(path: str, language: str) -> str:
    if path.endswith("feed.xml"):
        return path  # the feed has one address; its page speaks the browser's language
    return path + ("&" if "?" in path else "?") + f"lang={language}"


@pytest.mark.parametrize("width", [320, 390, 1280])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_listener_pages_fit_and_pass_the_checkers(browser, listed, tmp_path, language, width):
    context = browser.new_context(
        locale="sv-SE" if language == "sv" else "en-GB",
        viewport={"width": width, "height": 844},
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    failures, files = {}, []
    for name, path in PAGES.items():
        if name == "embed":
            page.set_viewport_size({"width": width, "height": 400})  # the iframe's default
        page.goto(listed.url + _address(path, language))
        wait_for(page, "document.readyState === 'complete'")
        # Chromium's own notice that it is phasing XSLT out: its markup, not ours.
        page.evaluate("document.querySelectorAll('xslt-warning-banner').forEach(e => e.remove())")
        found = {}
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            found["scroll width"] = scroll
        violations = axe_violations(page)
        if violations:
            found["axe"] = violations
        if name == "feed":
            assert page.evaluate("document.querySelector('h1').textContent") == "Testpodden"
            assert page.evaluate("document.documentElement.lang") == language
        if found:
            failures[name] = found
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(page.content())
        if width in (390, 1280):
            folder = ARTEFACTS / "screenshots"
            folder.mkdir(parents=True, exist_ok=True)
            shot = folder / f"{name}-{language}-{width}.png"
            page.screenshot(path=shot, full_page=name != "embed")
    context.close()
    assert failures == {}
    assert errors == []
    try:
        invalid = vnu_errors(files)
    except FileNotFoundError as exc:
        missing_service(str(exc))
    assert invalid == []


def test_the_embed_fits_300_pixels_wide(page, listed):
    page.set_viewport_size({"width": 300, "height": 400})
    page.goto(listed.url + EMBED)
    assert page.evaluate("document.documentElement.scrollWidth") <= 300


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_the_embed_cuts_no_line_at_400_pixels_high(page, listed, width):
    """Neither the frame's scrolling part nor the transcript's list ends inside a line;
    a cue of two lines may show its first."""
    page.set_viewport_size({"width": width, "height": 400})
    page.goto(listed.url + EMBED)
    wait_for(page, "document.querySelector('.extras').style.height")
    cut = page.evaluate(
        """(() => {
          const straddles = (edge, rows) => [...rows].filter(row => {
            const box = row.getBoundingClientRect();
            if (!box.height || box.top >= edge - 1 || box.bottom <= edge + 1) return false;
            const style = getComputedStyle(row);
            const line = parseFloat(style.lineHeight);
            const into = (edge - box.top - parseFloat(style.paddingTop)) % line;
            return into > 1 && into < line - 1;
          }).map(row => row.textContent.trim().slice(0, 40));
          const extras = document.querySelector('.extras');
          const list = document.querySelector('.transcript ol');
          return [
            ...straddles(extras.getBoundingClientRect().bottom,
                         extras.querySelectorAll('h2, p, label, input, nav li, li')),
            ...straddles(list.getBoundingClientRect().bottom, list.querySelectorAll('li')),
          ];
        })()"""
    )
    assert cut == []
    assert page.evaluate("document.documentElement.scrollHeight") <= 400


PLAYING = "(el) => !el.paused"


def _embeds(page) -> list:
    """The page's two embed frames, in document order, once both have loaded."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        frames = [frame for frame in page.frames if "/embed/" in frame.url]
        if len(frames) == 2:
            return sorted(frames, key=lambda frame: frame.frame_element().get_attribute("name"))
        page.wait_for_timeout(100)  # lets Playwright hear of the frames' navigations
    raise AssertionError(f"embeds not loaded: {[frame.url for frame in page.frames]}")


def test_starting_one_player_pauses_the_others(page, listed):
    """Two embeds and the episode page's own player on one page: one plays at a time."""
    page.goto(listed.url + PAGES["episode"])
    page.evaluate(
        """(src) => {
          for (const name of ['first', 'second']) {
            const frame = document.createElement('iframe');
            frame.src = src; frame.name = name; frame.title = name;
            frame.width = 390; frame.height = 400;
            document.querySelector('main').append(frame);
          }
        }""",
        listed.url + EMBED,
    )
    wait_for(page, "window.frames.length === 2")
    frames = _embeds(page)  # "first", "second"
    for frame in frames:
        wait_for(frame, "!!document.querySelector('[data-controls]:not([hidden])')")

    def playing() -> list[bool]:
        own = page.eval_on_selector("main > article audio", PLAYING)
        return [own] + [frame.eval_on_selector("audio", PLAYING) for frame in frames]

    frames[0].click("[data-play]")
    wait_for(frames[0], "!document.querySelector('audio').paused")
    assert playing() == [False, True, False]
    frames[1].click("[data-play]")
    wait_for(frames[0], "document.querySelector('audio').paused")
    assert playing() == [False, False, True]
    page.click("main > article [data-play]")
    wait_for(frames[1], "document.querySelector('audio').paused")
    assert playing() == [True, False, False]
