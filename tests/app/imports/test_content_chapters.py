"""Issue 12, attack 7, the fourth way in: chapters a feed import brings along.

The old host's chapters.json is fetched and kept; its links pass the same
check as the studio's (``feeds.chapters.web_link``), so a ``javascript:``
link is left out and the chapter kept.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from app.extensions import db
from app.models import Chapter, Episode
from tests.app.imports.helpers import run_import
from tests.app.imports.source import buzzsprout_feed, episodes, serve_audio


def test_a_feed_imports_chapter_links_pass_the_same_check(app, source, artwork, audio_dir):
    items = episodes(audio_dir / "tone.mp3", 1, prefix="Buzzsprout")
    serve_audio(source, items)
    document = {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0, "title": "Intro", "url": "javascript:alert(1)"},
            {"startTime": 1, "title": "Mitten", "url": "https://malmo.se/mitten"},
            {"startTime": 2, "title": "Slut", "url": "data:text/html,<script>x</script>"},
        ],
    }
    chapters_url = source.file(
        "/1/chapters.json", json.dumps(document).encode(), "application/json"
    )
    items[0].extra = f'<podcast:chapters url="{chapters_url}" />'
    feed = buzzsprout_feed(source, items, artwork, locked=False)
    slug, _ = run_import(app, source.file("/rss", feed, "application/rss+xml"))
    with app.app_context():
        rows = db.session.scalars(select(Chapter).order_by(Chapter.start_seconds)).all()
        assert [(row.title, row.url) for row in rows] == [
            ("Intro", None),
            ("Mitten", "https://malmo.se/mitten"),
            ("Slut", None),
        ]

        episode_slug = db.session.scalar(select(Episode.slug))
    served = app.test_client().get(f"/{slug}/episodes/{episode_slug}/chapters.json")
    assert served.status_code == 200
    assert b"javascript" not in served.data and b"data:" not in served.data
