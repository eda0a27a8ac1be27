"""Transcripts in the search index, and parsed cues beside each stored transcript.

``episodes.transcript_text`` holds the words of the episode's transcripts; the
SQLite FTS5 triggers copy it into ``episode_search.transcript`` and PostgreSQL's
generated ``search_vector`` gains it at weight C, beside a new generated
``search_vector_notes`` of the title and notes alone, for ranking. ``transcripts.cues`` keeps the
parsed cues, so pages show a transcript without reading storage.

Existing transcripts are read from storage and filled in here. Not batch mode on
``episodes``: rebuilding it on SQLite would drop the FTS5 triggers.

Revision ID: 0010_search_transcripts
Revises: 0009_imports
Create Date: 2026-11-27
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0010_search_transcripts"
down_revision = "0009_imports"
branch_labels = None
depends_on = None


def _sqlite_triggers(with_transcript: bool) -> tuple[str, ...]:
    """The three triggers of 0004_site, copying the transcript too when asked.

    Dropped with IF EXISTS and made again, so they are right even after an
    earlier batch migration rebuilt ``episodes`` and took them away.
    """
    transcript = "new.transcript_text" if with_transcript else "''"
    columns = "title, description, transcript_text" if with_transcript else "title, description"
    update_transcript = ", transcript = new.transcript_text" if with_transcript else ""
    return (
        "DROP TRIGGER IF EXISTS episode_search_insert",
        "DROP TRIGGER IF EXISTS episode_search_update",
        "DROP TRIGGER IF EXISTS episode_search_delete",
        "CREATE TRIGGER episode_search_insert AFTER INSERT ON episodes BEGIN "
        "INSERT INTO episode_search (rowid, title, notes, transcript) "
        f"VALUES (new.id, new.title, new.description, {transcript}); END",
        f"CREATE TRIGGER episode_search_update AFTER UPDATE OF {columns} ON episodes BEGIN "
        f"UPDATE episode_search SET title = new.title, notes = new.description{update_transcript} "
        "WHERE rowid = new.id; END",
        "CREATE TRIGGER episode_search_delete AFTER DELETE ON episodes BEGIN "
        "DELETE FROM episode_search WHERE rowid = old.id; END",
    )


def _search_vector(with_transcript: bool) -> tuple[str, ...]:
    """PostgreSQL 15 cannot change a generated column's expression: drop and add it.

    With transcripts, ``search_vector`` (indexed) is what matches, and
    ``search_vector_notes``, the title and notes alone, is what ranks and tells
    a hit that needed its transcript: ``ts_rank`` of an AND query compares every
    position of one word with every position of the other, which over
    half-hour transcripts took most of a second for 1,000 hits.
    """
    title_and_notes = (
        "setweight(to_tsvector('simple', title), 'A') || "
        "setweight(to_tsvector('simple', description), 'B')"
    )
    transcript = " || setweight(to_tsvector('simple', transcript_text), 'C')"
    if not with_transcript:
        return (
            "DROP INDEX IF EXISTS ix_episodes_search",
            "ALTER TABLE episodes DROP COLUMN search_vector_notes",
            "ALTER TABLE episodes DROP COLUMN search_vector",
            "ALTER TABLE episodes ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            f"{title_and_notes}) STORED",
            "CREATE INDEX ix_episodes_search ON episodes USING gin (search_vector)",
        )
    return (
        "DROP INDEX IF EXISTS ix_episodes_search",
        "ALTER TABLE episodes DROP COLUMN search_vector",
        "ALTER TABLE episodes ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
        f"{title_and_notes}{transcript}) STORED",
        "ALTER TABLE episodes ADD COLUMN search_vector_notes tsvector GENERATED ALWAYS AS ("
        f"{title_and_notes}) STORED",
        "CREATE INDEX ix_episodes_search ON episodes USING gin (search_vector)",
    )


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column(
        "episodes",
        sa.Column("transcript_text", sa.Text(), server_default="", nullable=False),
    )
    op.add_column(
        "transcripts",
        sa.Column("cues", sa.JSON(), server_default=sa.text("'[]'"), nullable=False),
    )
    if sqlite:
        for statement in _sqlite_triggers(with_transcript=True):
            op.execute(statement)
        _backfill()  # the update trigger carries the text into episode_search
    else:
        _backfill()  # before the vector is generated, so the table is rewritten once
        for statement in _search_vector(with_transcript=True):
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in _sqlite_triggers(with_transcript=False):
            op.execute(statement)
        op.execute("UPDATE episode_search SET transcript = ''")
    else:
        for statement in _search_vector(with_transcript=False):
            op.execute(statement)
    op.drop_column("transcripts", "cues")
    op.drop_column("episodes", "transcript_text")


def _backfill() -> None:
    """Parse every stored transcript into its cues and its episode's searchable text.

    Reads the files through the app's storage: ``flask db upgrade`` runs in the app.
    """
    from flask import current_app

    from media.transcripts import cues_to_data, parse_transcript, plain_text

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT t.id, t.episode_id, f.storage_key FROM transcripts t "
            "JOIN stored_files f ON f.id = t.file_id ORDER BY t.episode_id, t.language"
        )
    ).all()
    storage = current_app.extensions["storage"] if rows else None
    texts: dict[int, list[str]] = {}
    for transcript_id, episode_id, key in rows:
        with storage.open(key) as stream:
            cues = parse_transcript(stream.read())
        bind.execute(
            sa.text("UPDATE transcripts SET cues = :cues WHERE id = :id"),
            {"cues": json.dumps(cues_to_data(cues), ensure_ascii=False), "id": transcript_id},
        )
        texts.setdefault(episode_id, []).append(plain_text(cues))
    for episode_id, parts in texts.items():
        bind.execute(
            sa.text("UPDATE episodes SET transcript_text = :text WHERE id = :id"),
            {"text": "\n\n".join(parts), "id": episode_id},
        )
