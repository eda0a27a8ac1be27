"""Download analytics: salts, raw hits, daily counts, and a show's analytics prefix.

Revision ID: 0003_analytics
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_analytics"
down_revision = "0002_feeds"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shows") as batch:
        batch.add_column(sa.Column("analytics_prefix", sa.String(length=255), nullable=True))
    op.create_table(
        "download_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_download_salts")),
    )
    op.create_table(
        "download_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("listener", sa.String(length=64), nullable=False),
        sa.Column("app", sa.String(length=100), nullable=False),
        sa.Column("platform", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_download_hits_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_download_hits")),
    )
    op.create_index(op.f("ix_download_hits_day"), "download_hits", ["day"])
    op.create_table(
        "daily_downloads",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("app", sa.String(length=100), nullable=False),
        sa.Column("platform", sa.String(length=100), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_daily_downloads_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "day", "episode_id", "app", "platform", name=op.f("pk_daily_downloads")
        ),
    )
    op.create_index(op.f("ix_daily_downloads_episode_id"), "daily_downloads", ["episode_id"])


def downgrade():
    op.drop_index(op.f("ix_daily_downloads_episode_id"), table_name="daily_downloads")
    op.drop_table("daily_downloads")
    op.drop_index(op.f("ix_download_hits_day"), table_name="download_hits")
    op.drop_table("download_hits")
    op.drop_table("download_salts")
    with op.batch_alter_table("shows") as batch:
        batch.drop_column("analytics_prefix")
