from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.services.episodes import add_episode


@pytest.fixture
def published(app, show, audio_dir):
    """Two published episodes; ``andra`` is the latest."""
    with app.app_context():
        for title, day in (("Första", 1), ("Andra", 2)):
            with (audio_dir / "tone.mp3").open("rb") as audio:
                add_episode(
                    show,
                    audio,
                    title=title,
                    description=f"Om {title}.",
                    published_at=datetime(2025, 1, day, tzinfo=UTC),
                )
    return show
