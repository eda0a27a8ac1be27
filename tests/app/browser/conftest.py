"""Browser tests: the real app over HTTP on loopback, in headless Chromium.

They run on the embedded backend only. What they check (markup, styles,
scripts, headers, as a browser sees them) does not depend on the database or
storage, which the rest of the suite already runs on both shapes, and each
page load in a browser costs far more than a test-client request.
One Chromium serves the whole session.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.services.episodes import add_episode
from tests.conftest import missing_service
from tests.support import browser as support

AUDIO_SECONDS = 30.0


@dataclass(frozen=True)
class Chapter:
    start: float
    title: str


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str
    speaker: str | None = None


# Until chapters and transcripts are stored, the templates get them from this
# context processor; the markup and script under test are the real ones.
CHAPTERS = [Chapter(0, "Inledning"), Chapter(10, "Lindängen"), Chapter(20, "Avslutning")]
CUES = [
    Cue(0, 5, "Välkommen till Miljonprogramspodden.", "Programledare"),
    Cue(5, 10, "I dag pratar vi om upprustningen av husen."),
    Cue(10, 15, "Lindängen byggdes i slutet av sextiotalet."),
    Cue(15, 20, "Många boende vill ha fler mötesplatser."),
    Cue(20, 25, "Tack för att ni lyssnade."),
    Cue(25, 30, "Nästa avsnitt handlar om Rosengård."),
]


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
    """The app on http://127.0.0.1:<port> with one 30-second episode, ``avsnitt-1``."""
    with app.app_context(), long_audio.open("rb") as audio:
        add_episode(
            show,
            audio,
            title="Avsnitt 1",
            description="Om Lindängen.",
            published_at=datetime(2025, 1, 1, tzinfo=UTC),
        )
    app.context_processor(lambda: {"chapters": CHAPTERS, "cues": CUES})
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
