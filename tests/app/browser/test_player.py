"""The player in headless Chromium: playback, chapters, speed, keyboard, transcript, framing."""

from __future__ import annotations

import pytest

from tests.app.browser.conftest import wait_for
from tests.support.browser import serve

EMBED = "/embed/testpodden/avsnitt-1"
EPISODE = "/testpodden/episodes/avsnitt-1"
AUDIO = "document.querySelector('audio')"


def test_playing_starts(page, site):
    page.goto(site.url + EMBED)
    page.click("[data-play]")
    wait_for(page, f"!{AUDIO}.paused && {AUDIO}.currentTime > 0.2")
    assert page.get_attribute("[data-play]", "aria-label") == "Pausa"


@pytest.mark.parametrize("path", [EPISODE, EMBED])
def test_clicking_a_chapter_moves_current_time(page, site, path):
    page.goto(site.url + path)
    page.click("a[data-start='10']")
    assert wait_for(page, f"{AUDIO}.currentTime >= 10 && {AUDIO}.currentTime") < 12


def test_speed_change_applies(page, site):
    page.goto(site.url + EMBED)
    page.select_option("[data-speed]", "1.5")
    page.click("[data-play]")
    wait_for(page, f"!{AUDIO}.paused && {AUDIO}.currentTime > 0")
    assert page.evaluate(f"{AUDIO}.playbackRate") == 1.5


def focus_by_tab(page, selector: str, limit: int = 15) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_player_runs_with_the_keyboard_alone(page, site):
    page.goto(site.url + EMBED)
    focus_by_tab(page, "[data-play]")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")
    wait_for(page, f"!{AUDIO}.paused")
    focus_by_tab(page, "[data-skip='30']")
    page.keyboard.press("Space")
    wait_for(page, f"{AUDIO}.currentTime >= 25")
    focus_by_tab(page, "[data-seek]")
    page.keyboard.press("Home")
    wait_for(page, f"{AUDIO}.currentTime < 5")
    focus_by_tab(page, "[data-speed]")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(f"{AUDIO}.playbackRate") == 1.25
    focus_by_tab(page, "[data-volume]")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate(f"{AUDIO}.volume") == pytest.approx(0.95)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.matches('[data-play]')")
    page.keyboard.press("Space")
    wait_for(page, f"{AUDIO}.paused")


@pytest.mark.parametrize("path", [EPISODE, EMBED])
def test_transcript_highlights_the_current_cue(page, site, path):
    page.goto(site.url + path)
    page.click("a[data-start='10']")
    current = "document.querySelector('[data-cue].current')"
    wait_for(page, f"{current} && {current}.dataset.start === '10'")
    assert page.evaluate(f"{current}.getAttribute('aria-current')") == "true"
    page.evaluate(f"{AUDIO}.currentTime = 14.7")
    wait_for(page, f"{current}.dataset.start === '15'")  # reached by playing, not by seeking


@pytest.mark.parametrize("path", [EPISODE, EMBED])
def test_transcript_can_be_searched(page, site, path):
    page.goto(site.url + path)
    page.fill("[data-transcript-search]", "mötesplatser")
    visible = page.evaluate(
        "[...document.querySelectorAll('[data-cue]')].filter(c => !c.hidden)"
        ".map(c => c.dataset.start)"
    )
    assert visible == ["15"]
    # ngettext's forms, chosen in the script: "1 rader matchar" was issue 15
    assert page.text_content("[data-transcript-status]") == "1 rad matchar"


@pytest.mark.parametrize("path", [EPISODE, EMBED])
def test_transcript_and_audio_work_without_javascript(browser, site, path):
    """The page's language picks the transcript; a plain link shows the other one."""
    context = browser.new_context(java_script_enabled=False, locale="sv-SE")
    page = context.new_page()
    page.goto(site.url + path)
    assert page.is_visible("text=Lindängen byggdes i slutet av sextiotalet.")
    assert page.get_attribute(".transcript ol", "lang") == "sv"
    assert page.get_attribute("audio", "controls") == ""
    assert page.get_attribute("audio", "preload") == "none"
    assert page.is_hidden("[data-controls]")
    page.click(".transcript-languages a[hreflang='en']")
    assert page.is_visible("text=Lindängen was built in the late sixties.")
    assert page.get_attribute(".transcript ol", "lang") == "en"
    context.close()


def test_an_english_page_shows_the_english_transcript(page, site):
    page.goto(site.url + EPISODE + "?lang=en")
    assert page.get_attribute(".transcript ol", "lang") == "en"
    page.click("a[data-start='10']")
    current = "document.querySelector('[data-cue].current')"
    wait_for(page, f"{current} && {current}.dataset.start === '10'")
    assert "late sixties" in page.evaluate(f"{current}.textContent")


def test_share_link_carries_the_current_time(page, site):
    page.goto(site.url + EPISODE + "#t=12")
    assert page.evaluate(f"{AUDIO}.currentTime") == 12
    page.click("[data-share]")
    assert page.input_value("[data-share-output]") == site.url + EPISODE + "#t=12"


def host_page(html: str):
    """A WSGI app for a city page on another origin that embeds ``html``."""

    def city_page(environ, start_response):
        body = f"<!doctype html><title>Malmö stad</title><h1>Podd</h1>{html}".encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]

    return city_page


def oembed_html(page, site) -> str:
    """The oEmbed round trip as a CMS does it: discovery link, then the JSON's ``html``."""
    page.goto(site.url + EPISODE)
    href = page.get_attribute("link[type='application/json+oembed']", "href")
    response = page.request.get(href)
    assert response.status == 200
    return response.json()["html"]


def test_oembed_iframe_plays_on_a_page_from_another_origin(page, site):
    html = oembed_html(page, site)
    with serve(host_page(html), host="127.0.0.2") as city:
        page.goto(city.url)
        frame = page.frame_locator("iframe")
        frame.locator("[data-play]").click()
        player = page.frames[1]
        assert player.url.startswith(site.url + EMBED)
        wait_for(player, f"!{AUDIO}.paused && {AUDIO}.currentTime > 0")


def test_framing_is_refused_from_an_origin_not_allowed(app, browser, page, site):
    """Each check in a fresh browser context: the embed page may be cached with its CSP."""
    html = oembed_html(page, site)
    with serve(host_page(html), host="127.0.0.2") as city:
        for allowed, frames in (((city.url,), 1), (("https://malmo.se",), 0)):
            app.config["EMBED_ALLOWED_ORIGINS"] = allowed
            context = browser.new_context()
            city_page = context.new_page()
            city_page.goto(city.url)
            city_page.wait_for_load_state("load")
            assert city_page.frame_locator("iframe").locator("[data-play]").count() == frames
            context.close()
