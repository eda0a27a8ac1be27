"""Import notes as stable codes with their values, for the studio to word in Swedish or English.

Imports run outside any request, so their messages are English; the codes let
the studio show them in the reader's language. Rows written before this keep
only their English message, which the studio shows as it is.

Revision ID: 0015_import_message_codes
Revises: 0014_alternate_codecs
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_import_message_codes"
down_revision = "0014_alternate_codecs"
branch_labels = None
depends_on = None

TABLES = ("import_jobs", "import_items")


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column("message_codes", sa.JSON(), nullable=True))


def downgrade():
    for table in TABLES:
        op.drop_column(table, "message_codes")
