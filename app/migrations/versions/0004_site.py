"""Directory links per show, and the full-text search index of episodes.

SQLite gets an FTS5 table kept current by triggers; PostgreSQL a generated
``tsvector`` column of the same words with a GIN index. Neither is in the models (``app.services.search.include_name``
keeps autogenerate away from them). A ``transcript`` column is there for the
transcripts to fill, so adding them needs no new virtual table.

Revision ID: 0004_site
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_site"
down_revision = "0003_analytics"
branch_labels = None
depends_on = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE episode_search USING fts5("
    "title, notes, transcript, tokenize = 'unicode61 remove_diacritics 0')",
    "INSERT INTO episode_search (rowid, title, notes, transcript) "
    "SELECT id, title, description, '' FROM episodes",
    "CREATE TRIGGER episode_search_insert AFTER INSERT ON episodes BEGIN "
    "INSERT INTO episode_search (rowid, title, notes, transcript) "
    "VALUES (new.id, new.title, new.description, ''); END",
    "CREATE TRIGGER episode_search_update AFTER UPDATE OF title, description ON episodes BEGIN "
    "UPDATE episode_search SET title = new.title, notes = new.description "
    "WHERE rowid = new.id; END",
    "CREATE TRIGGER episode_search_delete AFTER DELETE ON episodes BEGIN "
    "DELETE FROM episode_search WHERE rowid = old.id; END",
)
# IF EXISTS: a database downgraded before 0005_memberships put them back after its batch
# rebuild of ``episodes`` has none.
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS episode_search_delete",
    "DROP TRIGGER IF EXISTS episode_search_update",
    "DROP TRIGGER IF EXISTS episode_search_insert",
    "DROP TABLE episode_search",
)
# A stored vector, so ranking reads it instead of parsing every matching episode's text.
POSTGRESQL_UP = (
    "ALTER TABLE episodes ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', title), 'A') || "
    "setweight(to_tsvector('simple', description), 'B')) STORED",
    "CREATE INDEX ix_episodes_search ON episodes USING gin (search_vector)",
)
POSTGRESQL_DOWN = (
    "DROP INDEX ix_episodes_search",
    "ALTER TABLE episodes DROP COLUMN search_vector",
)


def upgrade():
    op.create_table(
        "directory_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("directory", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["show_id"],
            ["shows.id"],
            name=op.f("fk_directory_links_show_id_shows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_links")),
        sa.UniqueConstraint(
            "show_id", "directory", name="uq_directory_links_show_id_directory"
        ),
    )
    for statement in _dialect_statements(SQLITE_UP, POSTGRESQL_UP):
        op.execute(statement)


def downgrade():
    for statement in _dialect_statements(SQLITE_DOWN, POSTGRESQL_DOWN):
        op.execute(statement)
    op.drop_table("directory_links")


def _dialect_statements(sqlite, postgresql):
    return postgresql if op.get_bind().dialect.name == "postgresql" else sqlite
