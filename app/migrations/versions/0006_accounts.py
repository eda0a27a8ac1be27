"""Accounts: deactivated users, one-time links (invite, reset), failed logins for the
rate limit, and the show's original artwork kept beside the converted one.

Revision ID: 0006_accounts
Revises: 0007_uploads
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_accounts"
down_revision = "0007_uploads"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "users", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    # Shows are not rebuilt by batch mode either: plain add_column, with the inline
    # REFERENCES SQLite accepts, as 0005 does for episodes.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE shows ADD COLUMN image_original_id INTEGER "
            "CONSTRAINT fk_shows_image_original_id_stored_files REFERENCES stored_files (id)"
        )
    else:
        op.add_column("shows", sa.Column("image_original_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_shows_image_original_id_stored_files"),
            "shows",
            "stored_files",
            ["image_original_id"],
            ["id"],
        )
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )
    op.create_index(op.f("ix_account_tokens_user_id"), "account_tokens", ["user_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_key", sa.String(length=64), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index(op.f("ix_login_failures_email_key"), "login_failures", ["email_key"])
    op.create_index(op.f("ix_login_failures_client_key"), "login_failures", ["client_key"])
    op.create_index(op.f("ix_login_failures_failed_at"), "login_failures", ["failed_at"])


def downgrade():
    op.drop_table("login_failures")
    op.drop_table("account_tokens")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(
            op.f("fk_shows_image_original_id_stored_files"), "shows", type_="foreignkey"
        )
    with op.batch_alter_table("shows") as batch:
        batch.drop_column("image_original_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("active")
