"""Shows with episodes added through the services, at known times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.models import utcnow
from app.services.episodes import add_episode


def add(app, show: str, audio_dir, title: str, published_at: datetime | None, **kwargs):
    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as audio:
        episode = add_episode(
            show,
            audio,
            title=title,
            description=f"Om {title}",
            published_at=published_at,
            publish=published_at is not None,
            **kwargs,
        )
        return episode.slug


@pytest.fixture
def two_episodes(app, show, audio_dir):
    """Two published episodes; returns the show slug."""
    for day in (1, 2):
        add(app, show, audio_dir, f"Avsnitt {day}", datetime(2025, 1, day, 7, tzinfo=UTC))
    return show


@pytest.fixture
def soon():
    """A publish time a little in the future."""
    return utcnow() + timedelta(minutes=5)
