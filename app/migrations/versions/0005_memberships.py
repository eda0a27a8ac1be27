"""Per-show roles: a user is an author, editor or admin of a show.

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


def downgrade():
    op.drop_index(op.f("ix_memberships_show_id"), table_name="memberships")
    op.drop_table("memberships")
