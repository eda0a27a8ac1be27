"""A per-user session generation, so logging out or losing rights ends sessions everywhere.

Studio sessions are signed cookies; a cookie copied before a logout would
otherwise stay valid until it expires. Each session carries the generation it
began in, and a request whose generation is older than the user's is refused.

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


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
