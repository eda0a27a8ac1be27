"""The codecs of each other audio format, for podcast:alternateEnclosure's ``codecs``.

Opus and Ogg Vorbis are both ``audio/ogg``; apps (and the studio's duplicate
check) tell them apart by codec. Existing rows get it from their stored file's
extension, which the probe chose from the bytes (``.opus``, ``.ogg`` ...); an
M4A stays unknown (AAC or Apple Lossless) until it is uploaded again.

Revision ID: 0014_alternate_codecs
Revises: 0013_import_extras
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_alternate_codecs"
down_revision = "0013_import_extras"
branch_labels = None
depends_on = None

BY_EXTENSION = {".mp3": "mp3", ".opus": "opus", ".ogg": "vorbis", ".flac": "flac", ".wav": "1"}


def upgrade():
    op.add_column("alternate_enclosures", sa.Column("codecs", sa.String(64), nullable=True))
    for extension, codecs in BY_EXTENSION.items():
        op.execute(
            sa.text(
                "UPDATE alternate_enclosures SET codecs = :codecs WHERE file_id IN "
                "(SELECT id FROM stored_files WHERE storage_key LIKE :pattern)"
            ).bindparams(codecs=codecs, pattern=f"%{extension}")
        )


def downgrade():
    op.drop_column("alternate_enclosures", "codecs")
