"""The episode editor: Markdown show notes, the first publish time that fixes a slug,
and the GUIDs of deleted episodes, which are never used again.

Revision ID: 0008_editor
Revises: 0005_memberships
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_editor"
down_revision = "0005_memberships"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "deleted_guids",
        sa.Column("guid", sa.String(length=255), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["show_id"],
            ["shows.id"],
            name=op.f("fk_deleted_guids_show_id_shows"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("guid", name=op.f("pk_deleted_guids")),
    )
    # Plain add_column, not batch mode: rebuilding `episodes` on SQLite would drop
    # the FTS5 triggers of 0004_site.
    op.add_column("episodes", sa.Column("notes_markdown", sa.Text(), nullable=True))
    op.add_column("episodes", sa.Column("first_published_at", sa.DateTime(), nullable=True))


def downgrade():
    # Plain drop_column for the same reason (SQLite 3.35 and later drop a column in place).
    op.drop_column("episodes", "first_published_at")
    op.drop_column("episodes", "notes_markdown")
    op.drop_table("deleted_guids")
