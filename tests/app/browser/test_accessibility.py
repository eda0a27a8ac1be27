"""WCAG 2.1 AA on every public page and the player: axe-core in Chromium, and valid HTML (vnu)."""

from __future__ import annotations

import pytest

from tests.app.browser.conftest import wait_for
from tests.conftest import missing_service
from tests.support.browser import axe_violations, vnu_errors

EMBED = "/embed/testpodden/avsnitt-1"
PAGES = (
    "/",
    "/?lang=en",
    "/testpodden/",
    "/testpodden/episodes/avsnitt-1",
    "/testpodden/episodes/avsnitt-1?lang=en",
    "/testpodden/episodes/avsnitt-1?transcript=en",
    "/search?q=lindängen",
    "/search?q=sextiotalet",  # found in the transcript
    "/search?q=inget",
    "/privacy",
    "/privacy?lang=en",
    "/finns-inte/",
    EMBED,
    EMBED + "?lang=en",
    EMBED + "?theme=dark",
    EMBED + "?theme=dark&lang=en&transcript=sv",
    EMBED + "?theme=auto&color=ffcc00",
    EMBED + "?compact=1",
    EMBED + "?compact=1&theme=dark&color=000000",
)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_axe_violations(page, site, scheme):
    """Each page in the visitor's light and dark scheme, so colour contrast is checked in both."""
    page.emulate_media(color_scheme=scheme)
    failures = {}
    for path in PAGES:
        page.goto(site.url + path)
        violations = axe_violations(page)
        if violations:
            failures[path] = violations
    assert failures == {}


def test_no_axe_violations_while_playing(page, site):
    """The controls change state and the transcript marks a cue; both must stay accessible."""
    page.goto(site.url + "/testpodden/episodes/avsnitt-1")
    page.click("a[data-start='10']")
    wait_for(page, "document.querySelector('[data-cue].current')")
    page.fill("[data-transcript-search]", "husen")
    assert axe_violations(page) == []


def test_pages_are_valid_html(client, site, tmp_path):
    files = []
    for number, path in enumerate(PAGES):
        response = client.get(path)
        files.append(tmp_path / f"page-{number}.html")
        files[-1].write_bytes(response.data)
    try:
        errors = vnu_errors(files)
    except FileNotFoundError as exc:
        missing_service(str(exc))
    assert errors == []


@pytest.mark.parametrize(("query", "max_height"), [("?compact=1", 160), ("", None)])
def test_embed_fits_320_pixels_wide(page, site, query, max_height):
    page.set_viewport_size({"width": 320, "height": max_height or 400})
    page.goto(site.url + EMBED + query)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    if max_height:
        assert page.evaluate("document.documentElement.scrollHeight") <= max_height


@pytest.mark.parametrize(("motion", "behaviour"), [("no-preference", "smooth"), ("reduce", "auto")])
def test_transcript_scrolls_without_motion_when_asked(page, site, motion, behaviour):
    page.emulate_media(reduced_motion=motion)
    page.goto(site.url + "/testpodden/episodes/avsnitt-1")
    style = "getComputedStyle(document.querySelector('.transcript ol')).scrollBehavior"
    assert page.evaluate(style) == behaviour


def test_axe_reports_what_it_should(page):
    """The harness itself: a page with known faults must not pass."""
    page.set_content('<html><body><img src="data:,"><a href="#"></a></body></html>')
    assert {"image-alt", "link-name", "html-has-lang"} <= {v["id"] for v in axe_violations(page)}
