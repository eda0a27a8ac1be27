"""Imports (issue 7): import jobs and their per-episode items; a show's extra categories.

Revision ID: 0009_imports
Revises: 0006_accounts
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_imports"
down_revision = "0006_accounts"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "shows",
        sa.Column("extra_categories", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.Column("base_url", sa.String(length=2000), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("artwork_url", sa.String(length=2000), nullable=True),
        sa.Column("worker", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["show_id"], ["shows.id"], name=op.f("fk_import_jobs_show_id_shows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    op.create_index(op.f("ix_import_jobs_show_id"), "import_jobs", ["show_id"])
    op.create_table(
        "import_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("guid", sa.String(length=255), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["import_jobs.id"],
            name=op.f("fk_import_items_job_id_import_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_import_items_episode_id_episodes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_items")),
        sa.UniqueConstraint("job_id", "guid", name="uq_import_items_job_id_guid"),
    )
    op.create_index(op.f("ix_import_items_job_id"), "import_items", ["job_id"])
    op.create_index(op.f("ix_import_items_episode_id"), "import_items", ["episode_id"])


def downgrade():
    op.drop_index(op.f("ix_import_items_episode_id"), table_name="import_items")
    op.drop_index(op.f("ix_import_items_job_id"), table_name="import_items")
    op.drop_table("import_items")
    op.drop_index(op.f("ix_import_jobs_show_id"), table_name="import_jobs")
    op.drop_table("import_jobs")
    # In place (SQLite 3.35 and later), not batch mode: no rebuild of a table that others
    # point to. The column is in no index, constraint or trigger, which this needs.
    op.drop_column("shows", "extra_categories")
