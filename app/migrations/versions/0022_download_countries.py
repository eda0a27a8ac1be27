"""Downloads by country: the code looked up when a hit comes in (never the address),
and daily counts per country beside the daily counts per app and platform.

Revision ID: 0022_download_countries
Revises: 0021_episode_drafts
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_download_countries"
down_revision = "0021_episode_drafts"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "download_hits",
        sa.Column("country", sa.String(length=2), server_default="", nullable=False),
    )
    op.create_table(
        "daily_country_downloads",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_daily_country_downloads_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "day", "episode_id", "country", name=op.f("pk_daily_country_downloads")
        ),
    )
    op.create_index(
        op.f("ix_daily_country_downloads_episode_id"),
        "daily_country_downloads",
        ["episode_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(
        op.f("ix_daily_country_downloads_episode_id"), table_name="daily_country_downloads"
    )
    op.drop_table("daily_country_downloads")
    op.drop_column("download_hits", "country")
