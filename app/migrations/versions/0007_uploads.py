"""Uploads in progress: resumable browser uploads (S3 multipart or chunked to disk).

Revision ID: 0007_uploads
Revises: 0008_editor
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_uploads"
down_revision = "0008_editor"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pending_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=512), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("multipart_upload_id", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("probe", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["show_id"],
            ["shows.id"],
            name=op.f("fk_pending_uploads_show_id_shows"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pending_uploads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_uploads")),
        sa.UniqueConstraint("token", name=op.f("uq_pending_uploads_token")),
    )
    op.create_index(op.f("ix_pending_uploads_show_id"), "pending_uploads", ["show_id"])
    op.create_index(op.f("ix_pending_uploads_created_at"), "pending_uploads", ["created_at"])


def downgrade():
    op.drop_index(op.f("ix_pending_uploads_created_at"), table_name="pending_uploads")
    op.drop_index(op.f("ix_pending_uploads_show_id"), table_name="pending_uploads")
    op.drop_table("pending_uploads")
