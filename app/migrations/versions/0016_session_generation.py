"""A per-user session generation, so logging out or losing rights ends sessions everywhere.

Studio sessions are signed cookies; a cookie copied before a logout would
otherwise stay valid until it expires. Each session carries the generation it
began in, and a request whose generation is older than the user's is refused.

One-time links also learn who was shown them (``created_by_id``), so a link
works only while its maker holds every right of the account it opens (issue
12: a show admin must not take over an instance admin's pending invitation).

Revision ID: 0016_session_generation
Revises: 0015_import_message_codes
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_session_generation"
down_revision = "0015_import_message_codes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("account_tokens") as batch:
        batch.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_account_tokens_created_by_id_users"),
            "users",
            ["created_by_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_account_tokens_created_by_id"), ["created_by_id"])


def downgrade():
    with op.batch_alter_table("account_tokens") as batch:
        batch.drop_index(op.f("ix_account_tokens_created_by_id"))
        batch.drop_constraint(op.f("fk_account_tokens_created_by_id_users"), type_="foreignkey")
        batch.drop_column("created_by_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
