"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_migrated_schema_matches_models(app):
    """Compared with the options ``flask db migrate`` uses, so both skip the same objects."""
    options = app.extensions["migrate"].configure_args
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": options["include_name"]}
        )
        assert compare_metadata(context, db.metadata) == []
        assert context.get_current_revision() is not None


def test_transcripts_stored_before_0010_are_indexed_by_the_upgrade(app, show, audio_dir):
    """Undo 0010 over a transcript stored through the service, then upgrade again:
    the migration reads the file from storage into the cues and the search index."""
    import io
    from datetime import UTC, datetime

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select, text

    from app.models import Transcript
    from app.services.episodes import add_episode
    from app.services.feed_extras import add_transcript
    from app.services.search import search_episodes

    vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nOm växthuset i Augustenborg.\n".encode()
    with app.app_context():
        with (audio_dir / "tone.mp3").open("rb") as audio:
            slug = add_episode(
                show, audio, title="Avsnitt", published_at=datetime(2025, 1, 1, tzinfo=UTC)
            ).slug
        add_transcript(show, slug, "sv", io.BytesIO(vtt))
        db.session.remove()
        try:
            downgrade(revision="0010_search_transcripts-1")
            columns = db.session.execute(text("SELECT * FROM transcripts")).keys()
            assert "cues" not in columns
            db.session.remove()
        finally:
            upgrade()
        assert [hit.episode_title for hit in search_episodes("växthuset")] == ["Avsnitt"]
        cues = db.session.scalar(select(Transcript.cues))
        assert cues == [
            {"start": 0.0, "end": 2.0, "text": "Om växthuset i Augustenborg.", "speaker": None}
        ]
