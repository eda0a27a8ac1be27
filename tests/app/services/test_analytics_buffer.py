"""Batched hit writes: nothing lost between threads, and nothing left waiting for long."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import DownloadHit
from app.services.analytics import aggregate_downloads
from app.services.episodes import add_episode

APPLE = "AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; sv_se)"


@pytest.fixture
def media_path(app, show, audio_dir) -> str:
    app.config["ANALYTICS_BUFFER_SECONDS"] = 0.2
    published = datetime.now(UTC) - timedelta(hours=1)
    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as audio:
        episode = add_episode(show, audio, title="A", published_at=published)
        return f"/media/{episode.audio.storage_key}"


def stored_hits(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DownloadHit))


def test_two_writers_lose_nothing_through_the_buffer(app, media_path):
    per_writer = 300  # more than fits one batch, so request threads write batches too
    errors = []

    def writer(number: int) -> None:
        client = app.test_client()
        for n in range(per_writer):
            address = f"198.51.{number}.{n % 250}"
            response = client.get(
                media_path, headers={"User-Agent": APPLE}, environ_base={"REMOTE_ADDR": address}
            )
            if response.status_code != 200:
                errors.append(response.status_code)

    threads = [threading.Thread(target=writer, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        aggregate_downloads()  # writes this process's last batch first
    assert stored_hits(app) == 2 * per_writer


def test_the_timer_writes_a_lone_hit(app, client, media_path):
    client.get(media_path, headers={"User-Agent": APPLE})
    deadline = time.monotonic() + 10
    while stored_hits(app) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stored_hits(app) == 1
