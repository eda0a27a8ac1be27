"""Per-show roles (a user is an author, editor or admin of a show), the show's time
zone for schedules, episode artwork and the episode's lock version for the studio.

Revision ID: 0005_memberships
Revises: 0004_site
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_memberships"
down_revision = "0004_site"
branch_labels = None
depends_on = None

# The triggers of 0004_site, as they were then.
SQLITE_SEARCH_TRIGGERS = (
    "CREATE TRIGGER episode_search_insert AFTER INSERT ON episodes BEGIN "
    "INSERT INTO episode_search (rowid, title, notes, transcript) "
    "VALUES (new.id, new.title, new.description, ''); END",
    "CREATE TRIGGER episode_search_update AFTER UPDATE OF title, description ON episodes BEGIN "
    "UPDATE episode_search SET title = new.title, notes = new.description "
    "WHERE rowid = new.id; END",
    "CREATE TRIGGER episode_search_delete AFTER DELETE ON episodes BEGIN "
    "DELETE FROM episode_search WHERE rowid = old.id; END",
)


def upgrade():
    op.create_table(
        "memberships",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["show_id"], ["shows.id"], name=op.f("fk_memberships_show_id_shows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "show_id", name=op.f("pk_memberships")),
    )
    op.create_index(op.f("ix_memberships_show_id"), "memberships", ["show_id"])
    op.add_column(
        "shows",
        sa.Column(
            "timezone", sa.String(length=64), server_default="Europe/Stockholm", nullable=False
        ),
    )
    # Not batch mode: rebuilding `episodes` on SQLite would drop the FTS5 triggers of
    # 0004_site. SQLite can add a column with an inline REFERENCES, but no constraint.
    op.add_column(
        "episodes", sa.Column("lock_version", sa.Integer(), server_default="1", nullable=False)
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE episodes ADD COLUMN image_id INTEGER "
            "CONSTRAINT fk_episodes_image_id_stored_files REFERENCES stored_files (id)"
        )
    else:
        op.add_column("episodes", sa.Column("image_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_episodes_image_id_stored_files"),
            "episodes",
            "stored_files",
            ["image_id"],
            ["id"],
        )


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(
            op.f("fk_episodes_image_id_stored_files"), "episodes", type_="foreignkey"
        )
    # Batch mode, because SQLite drops no column of a foreign key in place; the rebuild of
    # ``episodes`` takes 0004_site's search triggers with it, so they are made again.
    with op.batch_alter_table("episodes") as batch:
        batch.drop_column("image_id")
        batch.drop_column("lock_version")
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH_TRIGGERS:
            op.execute(statement)
    with op.batch_alter_table("shows") as batch:
        batch.drop_column("timezone")
    op.drop_index(op.f("ix_memberships_show_id"), table_name="memberships")
    op.drop_table("memberships")
