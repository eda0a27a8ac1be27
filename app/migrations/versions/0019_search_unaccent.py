"""Search ignores diacritics as well as case: “rosengard” finds “Rosengård”.

SQLite: ``episode_search`` is made again with FTS5's ``remove_diacritics 2`` and
filled from ``episodes``; its triggers name the table, not its definition, so
they keep working. PostgreSQL: a text search configuration ``podhost_search``,
``simple`` with ``unaccent`` in front, replaces ``simple`` in both generated
vectors; the search queries use it too. ``unaccent`` is a trusted extension
(PostgreSQL 13+), so the database's owner may create it.

Revision ID: 0019_search_unaccent
Revises: 0015_import_message_codes
Create Date: 2026-12-01
"""

from alembic import op

revision = "0019_search_unaccent"
down_revision = "0018_audio_processing"
branch_labels = None
depends_on = None


def _sqlite_table(remove_diacritics: int) -> tuple[str, ...]:
    return (
        "DROP TABLE episode_search",
        "CREATE VIRTUAL TABLE episode_search USING fts5("
        f"title, notes, transcript, tokenize = 'unicode61 remove_diacritics {remove_diacritics}')",
        "INSERT INTO episode_search (rowid, title, notes, transcript) "
        "SELECT id, title, description, transcript_text FROM episodes",
    )


def _vectors(config: str) -> tuple[str, ...]:
    """As 0010_search_transcripts made them, with ``config`` for ``simple``."""
    title_and_notes = (
        f"setweight(to_tsvector('{config}', title), 'A') || "
        f"setweight(to_tsvector('{config}', description), 'B')"
    )
    transcript = f" || setweight(to_tsvector('{config}', transcript_text), 'C')"
    return (
        "DROP INDEX IF EXISTS ix_episodes_search",
        "ALTER TABLE episodes DROP COLUMN search_vector_notes",
        "ALTER TABLE episodes DROP COLUMN search_vector",
        "ALTER TABLE episodes ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
        f"{title_and_notes}{transcript}) STORED",
        "ALTER TABLE episodes ADD COLUMN search_vector_notes tsvector GENERATED ALWAYS AS ("
        f"{title_and_notes}) STORED",
        "CREATE INDEX ix_episodes_search ON episodes USING gin (search_vector)",
    )


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in _sqlite_table(2):
            op.execute(statement)
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE TEXT SEARCH CONFIGURATION podhost_search (COPY = simple)")
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION podhost_search "
        "ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part "
        "WITH unaccent, simple"
    )
    for statement in _vectors("podhost_search"):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in _sqlite_table(0):
            op.execute(statement)
        return
    for statement in _vectors("simple"):
        op.execute(statement)
    op.execute("DROP TEXT SEARCH CONFIGURATION podhost_search")
