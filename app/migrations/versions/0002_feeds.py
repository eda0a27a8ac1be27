"""Feed fields on shows and episodes; persons, chapters, transcripts, alternate enclosures
and the shared feed cache.

Revision ID: 0002_feeds
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_feeds"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # Server defaults fill the new NOT NULL columns of rows that already exist.
    op.create_table(
        "feed_cache",
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("body_gzip", sa.LargeBinary(), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("last_modified", sa.DateTime(), nullable=False),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("notified_etag", sa.String(length=64), nullable=True),
        sa.Column("settings_key", sa.String(length=64), nullable=True),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["show_id"], ["shows.id"], name=op.f("fk_feed_cache_show_id_shows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("show_id", "page", name=op.f("pk_feed_cache")),
    )
    op.create_table(
        "alternate_enclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=True),
        sa.Column("bitrate", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_alternate_enclosures_episode_id_episodes"),
        ),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["stored_files.id"],
            name=op.f("fk_alternate_enclosures_file_id_stored_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alternate_enclosures")),
    )
    with op.batch_alter_table("alternate_enclosures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alternate_enclosures_episode_id"), ["episode_id"], unique=False
        )

    op.create_table(
        "chapters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("start_seconds", sa.Float(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("img", sa.String(length=1000), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_chapters_episode_id_episodes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chapters")),
    )
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chapters_episode_id"), ["episode_id"], unique=False)

    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=True),
        sa.Column("group", sa.String(length=100), nullable=True),
        sa.Column("img", sa.String(length=1000), nullable=True),
        sa.Column("href", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_persons_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["show_id"], ["shows.id"], name=op.f("fk_persons_show_id_shows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_persons_episode_id"), ["episode_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_persons_show_id"), ["show_id"], unique=False)

    op.create_table(
        "transcripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_transcripts_episode_id_episodes")
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_files.id"], name=op.f("fk_transcripts_file_id_stored_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcripts")),
        sa.UniqueConstraint("episode_id", "language", name="uq_transcripts_episode_id_language"),
    )
    with op.batch_alter_table("transcripts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transcripts_episode_id"), ["episode_id"], unique=False)

    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes_html", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("itunes_title", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("episode_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("season_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("season_name", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column(
                "episode_type",
                sa.String(length=10),
                nullable=False,
                server_default=sa.text("'full'"),
            )
        )
        batch_op.add_column(
            sa.Column("itunes_block", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("license", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("location_name", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("location_geo", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("location_osm", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("soundbites", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )

    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("podcast_guid", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("itunes_title", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column(
                "itunes_type",
                sa.String(length=10),
                nullable=False,
                server_default=sa.text("'episodic'"),
            )
        )
        batch_op.add_column(
            sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("itunes_block", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("new_feed_url", sa.String(length=1000), nullable=True))
        batch_op.add_column(
            sa.Column("locked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("locked_owner", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column(
                "medium", sa.String(length=20), nullable=False, server_default=sa.text("'podcast'")
            )
        )
        batch_op.add_column(sa.Column("license", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("update_frequency", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("update_frequency_text", sa.String(length=128), nullable=True)
        )
        batch_op.add_column(sa.Column("location_name", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("location_geo", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("location_osm", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("funding", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("txts", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("podroll", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("feed_page_size", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.drop_column("feed_page_size")
        batch_op.drop_column("podroll")
        batch_op.drop_column("txts")
        batch_op.drop_column("funding")
        batch_op.drop_column("location_osm")
        batch_op.drop_column("location_geo")
        batch_op.drop_column("location_name")
        batch_op.drop_column("update_frequency_text")
        batch_op.drop_column("update_frequency")
        batch_op.drop_column("license")
        batch_op.drop_column("medium")
        batch_op.drop_column("locked_owner")
        batch_op.drop_column("locked")
        batch_op.drop_column("new_feed_url")
        batch_op.drop_column("itunes_block")
        batch_op.drop_column("complete")
        batch_op.drop_column("itunes_type")
        batch_op.drop_column("itunes_title")
        batch_op.drop_column("podcast_guid")

    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_column("soundbites")
        batch_op.drop_column("location_osm")
        batch_op.drop_column("location_geo")
        batch_op.drop_column("location_name")
        batch_op.drop_column("license")
        batch_op.drop_column("itunes_block")
        batch_op.drop_column("episode_type")
        batch_op.drop_column("season_name")
        batch_op.drop_column("season_number")
        batch_op.drop_column("episode_number")
        batch_op.drop_column("itunes_title")
        batch_op.drop_column("notes_html")

    with op.batch_alter_table("transcripts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcripts_episode_id"))

    op.drop_table("transcripts")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_persons_show_id"))
        batch_op.drop_index(batch_op.f("ix_persons_episode_id"))

    op.drop_table("persons")
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chapters_episode_id"))

    op.drop_table("chapters")
    with op.batch_alter_table("alternate_enclosures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alternate_enclosures_episode_id"))

    op.drop_table("alternate_enclosures")
    op.drop_table("feed_cache")
