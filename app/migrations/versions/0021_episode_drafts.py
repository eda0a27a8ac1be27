"""Autosaved drafts of the episode editor: one row per producer and episode, apart from
the episode, so nothing typed reaches the feed before it is saved. And whether a show's
category was chosen or filled in, so feed health can name the stand-in (issue 14).

Revision ID: 0021_episode_drafts
Revises: 0015_import_message_codes
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_episode_drafts"
down_revision = "0019_search_unaccent"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "episode_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_episode_drafts_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_episode_drafts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episode_drafts")),
        sa.UniqueConstraint(
            "episode_id", "user_id", name=op.f("uq_episode_drafts_episode_id_user_id")
        ),
    )


    # Plain add_column: existing shows count as chosen, as nothing says otherwise.
    op.add_column(
        "shows",
        sa.Column("category_chosen", sa.Boolean(), server_default=sa.true(), nullable=False),
    )


def downgrade():
    op.drop_column("shows", "category_chosen")
    op.drop_table("episode_drafts")
