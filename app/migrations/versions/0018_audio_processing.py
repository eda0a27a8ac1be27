"""Audio processing (issue 16): per-show loudness and MP3 settings, per-episode audio state.

Shows made before this keep their sound (``audio_normalise`` false); new shows
normalise, by the model's default. Episodes made before have no ``episode_audio``
row and stay in their feeds as they are.

Revision ID: 0018_audio_processing
Revises: 0015_import_message_codes
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_audio_processing"
down_revision = "0015_import_message_codes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shows") as batch:
        batch.add_column(
            sa.Column("audio_normalise", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("audio_mp3_kbps_stereo", sa.Integer(), nullable=False, server_default="128")
        )
        batch.add_column(
            sa.Column("audio_mp3_kbps_mono", sa.Integer(), nullable=False, server_default="64")
        )
        batch.add_column(sa.Column("audio_alternate", sa.String(8), nullable=True))
    op.create_table(
        "episode_audio",
        sa.Column(
            "episode_id",
            sa.Integer(),
            sa.ForeignKey("episodes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("master_id", sa.Integer(), sa.ForeignKey("stored_files.id"), nullable=False),
        sa.Column(
            "alternate_id",
            sa.Integer(),
            sa.ForeignKey("alternate_enclosures.id"),
            nullable=True,
        ),
        sa.Column("generation", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False, server_default="0"),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("normalise", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("action", sa.String(12), nullable=True),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("loudness_before", sa.Float(), nullable=True),
        sa.Column("true_peak_before", sa.Float(), nullable=True),
        sa.Column("range_before", sa.Float(), nullable=True),
        sa.Column("loudness_after", sa.Float(), nullable=True),
        sa.Column("true_peak_after", sa.Float(), nullable=True),
        sa.Column("channels", sa.Integer(), nullable=True),
        sa.Column("sample_rate", sa.Integer(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_episode_audio_state", "episode_audio", ["state"])


def downgrade():
    op.drop_index("ix_episode_audio_state", table_name="episode_audio")
    op.drop_table("episode_audio")
    with op.batch_alter_table("shows") as batch:
        for column in (
            "audio_alternate",
            "audio_mp3_kbps_mono",
            "audio_mp3_kbps_stereo",
            "audio_normalise",
        ):
            batch.drop_column(column)
