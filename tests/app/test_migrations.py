"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def schema_differences(app) -> list:
    """Compared with the options ``flask db migrate`` uses, so both skip the same objects."""
    options = app.extensions["migrate"].configure_args
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": options["include_name"]}
        )
        assert context.get_current_revision() is not None
        return compare_metadata(context, db.metadata)


def test_migrated_schema_matches_models(app):
    assert schema_differences(app) == []


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


def test_0019_makes_existing_episodes_searchable_without_diacritics(app, show, audio_dir):
    """Episodes indexed before 0019 are found by “rosengard” after it, on both backends."""
    from datetime import UTC, datetime

    from flask_migrate import downgrade, upgrade

    from app.services.episodes import add_episode
    from app.services.search import search_episodes

    def found(query: str) -> list[str]:
        return [hit.episode_title for hit in search_episodes(query)]

    with app.app_context():
        # Added at head (the models need every later column), then indexed again the way
        # it was before 0019 by stepping down past it, and up again.
        with (audio_dir / "tone.mp3").open("rb") as audio:
            add_episode(
                show, audio, title="Rosengård", published_at=datetime(2025, 1, 1, tzinfo=UTC)
            )
        db.session.remove()
        downgrade(revision="0018_audio_processing")
        upgrade()
        assert found("rosengard") == ["Rosengård"]
        assert found("ROSENGÅRD") == ["Rosengård"]


def test_0014_gives_existing_alternates_their_codecs(app, show, audio_dir):
    """Rows from before 0014 get codecs from their stored file's extension, chosen by the probe."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select, text

    from app.models import AlternateEnclosure
    from app.services.episodes import add_episode
    from app.services.feed_extras import add_alternate_enclosure

    with app.app_context():
        with (audio_dir / "tone.mp3").open("rb") as audio:
            slug = add_episode(show, audio, title="Avsnitt").slug
        for name in ("tone.opus", "tone.ogg", "tone.m4a"):
            with (audio_dir / name).open("rb") as audio:
                add_alternate_enclosure(show, slug, audio)
        db.session.remove()
        try:
            downgrade(revision="0013_import_extras")
            columns = db.session.execute(text("SELECT * FROM alternate_enclosures")).keys()
            assert "codecs" not in columns
            db.session.remove()
        finally:
            upgrade()
        rows = db.session.scalars(select(AlternateEnclosure).order_by(AlternateEnclosure.id))
        # An M4A may hold AAC or Apple Lossless: unknown until uploaded again.
        assert [row.codecs for row in rows] == ["opus", "vorbis", None]


def test_0015_keeps_import_messages_and_rows_from_before_have_no_codes(app, show):
    """Downgraded, the codes go and the English message stays; upgraded again, such a row
    has no codes, which the studio shows as its English message."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, select

    from app.models import ImportItem, ImportJob
    from app.services.shows import get_show

    english = "The item has no enclosure (no audio file)."
    with app.app_context():
        job = ImportJob(show=get_show(show), source="upload:feed.xml", state="done")
        job.items.append(
            ImportItem(
                position=0,
                title="Utan ljud",
                state="skipped",
                message=english,
                message_codes=[{"code": "no-enclosure", "params": {}}],
                data={},
            )
        )
        db.session.add(job)
        db.session.commit()
        db.session.remove()
        try:
            downgrade(revision="0014_alternate_codecs")
            for table in ("import_jobs", "import_items"):
                columns = {c["name"] for c in inspect(db.engine).get_columns(table)}
                assert "message" in columns and "message_codes" not in columns
            db.session.remove()
        finally:
            upgrade()
        item = db.session.scalar(select(ImportItem))
        assert (item.message, item.message_codes) == (english, None)


KEPT_TABLES = ("shows", "users", "memberships", "episodes", "chapters", "persons", "stored_files")


def kept_rows() -> dict[str, int]:
    from sqlalchemy import text

    return {
        t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in KEPT_TABLES
    }


def foreign_keys_enforced() -> bool:
    """Always on PostgreSQL; on SQLite what ``app.extensions`` turns on per connection."""
    from sqlalchemy import text

    if db.engine.dialect.name != "sqlite":
        return True
    return db.session.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_downgrade_to_0008_and_upgrade_again_keeps_every_row(app, show, producer, audio_dir):
    """0009 and 0006 rebuild ``shows`` and ``users`` on SQLite (batch mode). With foreign
    keys enforced, dropping the old table refused, or would have deleted the memberships
    and episodes pointing to it; the migrations run with them off and checked instead."""
    from datetime import UTC, datetime

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from app.services.episodes import add_episode
    from app.services.feed_extras import set_chapters
    from app.services.search import search_episodes

    with app.app_context():
        with (audio_dir / "tone.mp3").open("rb") as audio:
            slug = add_episode(
                show, audio, title="Växthuset", published_at=datetime(2025, 1, 1, tzinfo=UTC)
            ).slug
        set_chapters(show, slug, [{"start": 0, "title": "Början"}])
        before = kept_rows()
        assert before["memberships"] == 1 and before["chapters"] == 1
        db.session.remove()
        try:
            downgrade(revision="0008_editor")
            assert "extra_categories" not in {
                c["name"] for c in inspect(db.engine).get_columns("shows")
            }
            assert kept_rows() == before
            assert foreign_keys_enforced()
            db.session.remove()
        finally:
            upgrade()
        assert kept_rows() == before
        assert foreign_keys_enforced()
        # The search index still follows the episodes: the old one, and a new one.
        with (audio_dir / "tone.mp3").open("rb") as audio:
            add_episode(
                show, audio, title="Rosengård", published_at=datetime(2025, 2, 1, tzinfo=UTC)
            )
        assert [hit.episode_title for hit in search_episodes("växthuset")] == ["Växthuset"]
        assert [hit.episode_title for hit in search_episodes("rosengård")] == ["Rosengård"]
    assert schema_differences(app) == []


def test_downgrade_to_base_and_upgrade_again(app, show):
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        db.session.remove()
        try:
            downgrade(revision="base")
            assert set(db.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        finally:
            upgrade()
        assert foreign_keys_enforced()
    assert schema_differences(app) == []


@pytest.mark.parametrize("backend", ["embedded"])  # PostgreSQL never lets such a row in
def test_a_failed_migration_on_sqlite_changes_nothing(app, show, capfd):
    """A row whose foreign key points nowhere (SQLite let them in before the app turned
    enforcement on) stops the downgrade after 0013 had already rebuilt ``chapters``:
    everything rolls back, DDL included, and foreign keys are enforced again."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    with app.app_context():
        db.session.remove()
        downgrade(revision="0013_import_extras")  # so that 0013's is the first step to undo
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.exec_driver_sql(
                "INSERT INTO chapters (episode_id, start_seconds, title) VALUES (999, 0, 'Ingen')"
            )
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        with pytest.raises(SystemExit):
            downgrade(revision="0008_editor")
        assert (
            "The downgrade from 0013_import_extras left rows whose foreign keys point "
            "nowhere (table, rowid, parent, key): [('chapters', 1, 'episodes', 0)]"
        ) in capfd.readouterr().err
        assert foreign_keys_enforced()
        # 0013's downgrade had already dropped these columns by rebuilding the tables.
        for table in ("chapters", "persons"):
            columns = db.session.execute(text(f"PRAGMA table_info({table})")).all()
            assert "img_file_id" in [column.name for column in columns]
        trigger = db.session.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'episode_search_update'")
        ).scalar_one()
        assert "transcript = new.transcript_text" in trigger
        db.session.execute(text("DELETE FROM chapters WHERE episode_id = 999"))
        db.session.commit()
        with db.engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
            assert revision == "0013_import_extras"
        db.session.remove()
        upgrade()
    assert schema_differences(app) == []
