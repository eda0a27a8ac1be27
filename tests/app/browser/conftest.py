"""Browser tests: the real app over HTTP on loopback, in headless Chromium.

They run on the embedded backend only. What they check (markup, styles,
scripts, headers, as a browser sees them) does not depend on the database or
storage, which the rest of the suite already runs on both shapes, and each
page load in a browser costs far more than a test-client request.
One Chromium serves the whole session.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.services.episodes import add_episode
from app.services.feed_extras import add_transcript, set_chapters
from tests.conftest import missing_service
from tests.support import browser as support

AUDIO_SECONDS = 30.0


# Stored through the same services as the studio's: real Chapter and Transcript rows.
CHAPTERS = [
    {"start": 0, "title": "Inledning"},
    {"start": 10, "title": "Lindängen"},
    {"start": 20, "title": "Avslutning"},
]
TRANSCRIPT_SV = """WEBVTT

00:00:00.000 --> 00:00:05.000
<v Programledare>Välkommen till Miljonprogramspodden.

00:00:05.000 --> 00:00:10.000
I dag pratar vi om upprustningen av husen.

00:00:10.000 --> 00:00:15.000
Lindängen byggdes i slutet av sextiotalet.

00:00:15.000 --> 00:00:20.000
Många boende vill ha fler mötesplatser.

00:00:20.000 --> 00:00:25.000
Tack för att ni lyssnade.

00:00:25.000 --> 00:00:30.000
Nästa avsnitt handlar om Rosengård.
"""
# SRT, so both accepted formats are on the pages.
TRANSCRIPT_EN = """1
00:00:00,000 --> 00:00:05,000
Welcome to the Miljonprogramspodden.

2
00:00:05,000 --> 00:00:10,000
Today we talk about renovating the houses.

3
00:00:10,000 --> 00:00:15,000
Lindängen was built in the late sixties.

4
00:00:15,000 --> 00:00:20,000
Many residents want more meeting places.

5
00:00:20,000 --> 00:00:25,000
Thank you for listening.

6
00:00:25,000 --> 00:00:30,000
The next episode is about Rosengård.
"""


@pytest.fixture
def backend() -> str:
    return "embedded"


@pytest.fixture(scope="session")
def browser():
    reason = support.missing_tools()
    if reason:
        missing_service(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=support.chromium_path(), args=support.CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="sv-SE", viewport={"width": 800, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def long_audio(tmp_path_factory) -> Path:
    """Thirty seconds, so playback is still running while a test looks at it."""
    from media.synth import synthesize

    folder = tmp_path_factory.mktemp("long-audio")
    return synthesize(folder / "avsnitt.mp3", "mp3", AUDIO_SECONDS, 330.0)


@pytest.fixture
def site(app, show, long_audio) -> Iterator[support.LiveServer]:
    """The app on http://127.0.0.1:<port> with one 30-second episode, ``avsnitt-1``,
    with three chapters and transcripts in Swedish and English."""
    with app.app_context(), long_audio.open("rb") as audio:
        episode = add_episode(
            show,
            audio,
            title="Avsnitt 1",
            description="Om Lindängen.",
            published_at=datetime(2025, 1, 1, tzinfo=UTC),
        ).slug
        set_chapters(show, episode, CHAPTERS)
        add_transcript(show, episode, "sv", io.BytesIO(TRANSCRIPT_SV.encode()), "avsnitt.vtt")
        add_transcript(show, episode, "en", io.BytesIO(TRANSCRIPT_EN.encode()), "avsnitt.srt")
    with support.serve(app) as server:
        app.config["PUBLIC_BASE_URL"] = server.url
        yield server


def wait_for(page_or_frame, expression: str, timeout: float = 10.0):
    """Poll ``expression`` until truthy. Playwright's own wait uses eval, which our CSP forbids."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page_or_frame.evaluate(expression)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"still false after {timeout} s: {expression}")
