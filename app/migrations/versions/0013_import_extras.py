"""Stored copies of person and chapter pictures that an import brought along.

``persons.img_file_id`` and ``chapters.img_file_id`` point at our copy of a
picture the old host served, so the show keeps it when that host shuts down;
``import_jobs.persons_pending`` says the show's person pictures are still to fetch.
Neither table is rebuilt by batch mode: plain columns, with the inline
REFERENCES SQLite accepts, as 0005 and 0006 do.

Revision ID: 0013_import_extras
Revises: 0010_search_transcripts
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_import_extras"
down_revision = "0010_search_transcripts"
branch_labels = None
depends_on = None

TABLES = ("persons", "chapters")


def upgrade():
    op.add_column(
        "import_jobs",
        sa.Column("persons_pending", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    for table in TABLES:
        name = f"fk_{table}_img_file_id_stored_files"
        if op.get_bind().dialect.name == "sqlite":
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN img_file_id INTEGER "
                f"CONSTRAINT {name} REFERENCES stored_files (id)"
            )
        else:
            op.add_column(table, sa.Column("img_file_id", sa.Integer(), nullable=True))
            op.create_foreign_key(op.f(name), table, "stored_files", ["img_file_id"], ["id"])


def downgrade():
    # SQLite cannot drop a column with a REFERENCES: batch mode rebuilds these two
    # tables, which no foreign key points at.
    for table in TABLES:
        if op.get_bind().dialect.name != "sqlite":
            name = op.f(f"fk_{table}_img_file_id_stored_files")
            op.drop_constraint(name, table, type_="foreignkey")
        with op.batch_alter_table(table) as batch:
            batch.drop_column("img_file_id")
    op.drop_column("import_jobs", "persons_pending")
