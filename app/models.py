"""The database rows: Show, Episode, StoredFile, User and DirectoryLink (SQLAlchemy 2.0, typed)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship
from sqlalchemy.types import JSON

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC.

    SQLite drops time zones, PostgreSQL keeps them; storing naive UTC in both
    makes every datetime that leaves the database comparable and unambiguous.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class StoredFile(db.Model):
    """One object in storage. Its key is never reused, so one URL never serves two files."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(512), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    mime_type: Mapped[str] = mapped_column(String(100))
    duration: Mapped[float | None] = mapped_column(Float)
    original_filename: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def etag(self) -> str:
        """The content hash, or while it is pending (app/services/hashes.py) one of key and size.

        Both are strong validators: a key never names two files, so key and size
        identify the bytes as surely as their hash. The ETag changes once, when
        the hash arrives; that costs a client one download at worst, never a wrong 304.
        """
        if self.sha256:
            return self.sha256[:32]
        return hashlib.sha256(f"{self.storage_key}\n{self.size}".encode()).hexdigest()[:32]


class Show(db.Model):
    """A podcast. ``slug`` is part of the feed URL, so it must never change once public."""

    __tablename__ = "shows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(35))
    author: Mapped[str] = mapped_column(String(255))
    owner_name: Mapped[str] = mapped_column(String(255))
    owner_email: Mapped[str] = mapped_column(String(255))
    category: Mapped[str] = mapped_column(String(100))
    subcategory: Mapped[str | None] = mapped_column(String(100))
    explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    copyright: Mapped[str | None] = mapped_column(String(255))
    # OP3, Podtrac and the like: written in front of enclosure URLs (issue 6).
    analytics_prefix: Mapped[str | None] = mapped_column(String(255))
    image_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    # The artwork as uploaded, before it was made square and converted (accounts).
    image_original_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # --- Feed fields (issue 3): iTunes and Podcasting 2.0 tags, paging ---
    # Assigned once from the first feed URL and kept when the URL changes.
    podcast_guid: Mapped[str | None] = mapped_column(String(36))
    itunes_title: Mapped[str | None] = mapped_column(String(255))
    itunes_type: Mapped[str] = mapped_column(String(10), default="episodic")
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    itunes_block: Mapped[bool] = mapped_column(Boolean, default=False)
    new_feed_url: Mapped[str | None] = mapped_column(String(1000))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_owner: Mapped[str | None] = mapped_column(String(255))
    medium: Mapped[str] = mapped_column(String(20), default="podcast")
    license: Mapped[str | None] = mapped_column(String(255))
    update_frequency: Mapped[str | None] = mapped_column(String(255))  # an RRULE
    update_frequency_text: Mapped[str | None] = mapped_column(String(128))
    location_name: Mapped[str | None] = mapped_column(String(128))
    location_geo: Mapped[str | None] = mapped_column(String(100))
    location_osm: Mapped[str | None] = mapped_column(String(100))
    # Lists of small dicts: [{"url", "text"}], [{"text", "purpose"}], [{"feed_guid", "feed_url"}]
    funding: Mapped[list] = mapped_column(JSON, default=list)
    txts: Mapped[list] = mapped_column(JSON, default=list)
    podroll: Mapped[list] = mapped_column(JSON, default=list)
    # RFC 5005 paging: None keeps the feed complete, which is what Apple needs.
    feed_page_size: Mapped[int | None] = mapped_column(Integer)
    # --- end of feed fields ---
    # Imports (issue 7): itunes:category pairs after the first, [[category, subcategory|None]].
    extra_categories: Mapped[list] = mapped_column(JSON, default=list)
    # Schedules are entered in this zone (an IANA name); the database keeps UTC.
    timezone: Mapped[str] = mapped_column(
        String(64), default="Europe/Stockholm", server_default="Europe/Stockholm"
    )

    # --- audio processing (issue 16): loudness and MP3 for every upload ---
    # New shows normalise (the model's default); shows made before keep their sound.
    audio_normalise: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_false())
    audio_mp3_kbps_stereo: Mapped[int] = mapped_column(Integer, default=128, server_default="128")
    audio_mp3_kbps_mono: Mapped[int] = mapped_column(Integer, default=64, server_default="64")
    audio_alternate: Mapped[str | None] = mapped_column(String(8))  # None, "aac" or "opus"

    image: Mapped[StoredFile | None] = relationship(foreign_keys=[image_id])
    image_original: Mapped[StoredFile | None] = relationship(foreign_keys=[image_original_id])
    episodes: Mapped[list[Episode]] = relationship(back_populates="show")
    persons: Mapped[list[Person]] = relationship(
        primaryjoin="and_(Person.show_id == Show.id, Person.episode_id.is_(None))",
        order_by="Person.position",
        viewonly=True,
    )
    directory_links: Mapped[list[DirectoryLink]] = relationship(
        order_by="DirectoryLink.directory", cascade="all, delete-orphan", passive_deletes=True
    )


class Episode(db.Model):
    """An episode. ``guid`` is assigned once at creation and never changes or is reused."""

    __tablename__ = "episodes"
    __table_args__ = (UniqueConstraint("show_id", "slug", name="uq_episodes_show_id_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), index=True)
    guid: Mapped[str] = mapped_column(String(255), unique=True)
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    explicit: Mapped[bool | None] = mapped_column(Boolean)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    audio_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # --- Feed fields (issue 3): iTunes and Podcasting 2.0 item tags ---
    # Sanitized HTML show notes for content:encoded; description stays plain text.
    notes_html: Mapped[str | None] = mapped_column(Text)
    itunes_title: Mapped[str | None] = mapped_column(String(255))
    episode_number: Mapped[int | None] = mapped_column(Integer)
    season_number: Mapped[int | None] = mapped_column(Integer)
    season_name: Mapped[str | None] = mapped_column(String(128))
    episode_type: Mapped[str] = mapped_column(String(10), default="full")
    itunes_block: Mapped[bool] = mapped_column(Boolean, default=False)
    license: Mapped[str | None] = mapped_column(String(255))
    location_name: Mapped[str | None] = mapped_column(String(128))
    location_geo: Mapped[str | None] = mapped_column(String(100))
    location_osm: Mapped[str | None] = mapped_column(String(100))
    # [{"start": seconds, "duration": seconds, "title": str | None}]
    soundbites: Mapped[list] = mapped_column(JSON, default=list)
    # --- end of feed fields ---
    # Episode artwork (itunes:image / podcast:image on the item); None uses the show's.
    image_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    # Bumped by every studio save: a save based on an older version is refused, not lost.
    lock_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The studio's Markdown source of notes_html; None for episodes made before the editor.
    notes_markdown: Mapped[str | None] = mapped_column(Text)
    # When the episode first went (or was scheduled to go) public: its slug is fixed after.
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # --- site ---
    # The words of every transcript of the episode, for the search index (FTS5 triggers
    # on SQLite, the generated search_vector on PostgreSQL). Kept by the transcript
    # services; deferred, because only the index reads it and it can be long.
    transcript_text: Mapped[str] = mapped_column(Text, default="", server_default="", deferred=True)

    show: Mapped[Show] = relationship(back_populates="episodes")
    audio: Mapped[StoredFile] = relationship(foreign_keys=[audio_id])
    image: Mapped[StoredFile | None] = relationship(foreign_keys=[image_id])
    chapters: Mapped[list[Chapter]] = relationship(
        order_by="Chapter.start_seconds", cascade="all, delete-orphan"
    )
    transcripts: Mapped[list[Transcript]] = relationship(
        order_by="Transcript.language", cascade="all, delete-orphan"
    )
    alternate_enclosures: Mapped[list[AlternateEnclosure]] = relationship(
        order_by="AlternateEnclosure.id", cascade="all, delete-orphan"
    )

    def is_published(self, now: datetime | None = None) -> bool:
        return self.published_at is not None and self.published_at <= (now or utcnow())


class User(UserMixin, db.Model):
    """A studio login. Emails are stored lower-cased so logins ignore case."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Deactivated users keep their rows (who did what stays known) but cannot log in,
    # and a session they still hold ends on its next request.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def has_password(self) -> bool:
        """An invited user has none until they open their link."""
        return bool(self.password_hash)

    def get_id(self) -> str:
        """What the session keeps: the id and a fingerprint of the password hash.

        A new password changes the fingerprint, so every session begun with the
        old one ends (app.auth refuses it), e.g. after a reset of a stolen account.
        """
        return f"{self.id}:{password_fingerprint(self.password_hash)}"

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )


def password_fingerprint(password_hash: str) -> str:
    """A short digest of the hash: tells hashes apart without revealing them in the cookie."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


# Per-show roles, weakest first: each role may do everything the ones before it may.
# Authors write drafts; editors also publish, schedule and delete; admins also manage
# the show's settings and members. An instance admin (User.is_admin) may do everything.
ROLES = ("author", "editor", "admin")


class Membership(db.Model):
    """A user's role on one show. No row means the user sees nothing of the show."""

    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    show_id: Mapped[int] = mapped_column(
        ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    show: Mapped[Show] = relationship()


# --- Feed tables (issue 3) ---


class Person(db.Model):
    """podcast:person on a show (``episode_id`` is None) or on one of its episodes."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Rows go with their show or episode, whoever deletes it.
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int | None] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str | None] = mapped_column(String(100))
    group: Mapped[str | None] = mapped_column(String(100))
    # A picture address the producer typed, or (img_file) our stored copy of one an
    # import brought along; the stored copy wins.
    img: Mapped[str | None] = mapped_column(String(1000))
    img_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    href: Mapped[str | None] = mapped_column(String(1000))

    img_file: Mapped[StoredFile | None] = relationship()


class Chapter(db.Model):
    """One chapter of an episode; the episode's chapters are served as JSON chapters 1.2."""

    __tablename__ = "chapters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    start_seconds: Mapped[float] = mapped_column(Float)
    title: Mapped[str] = mapped_column(String(255))
    # As on Person: a typed address, or our stored copy of an imported one.
    img: Mapped[str | None] = mapped_column(String(1000))
    img_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    url: Mapped[str | None] = mapped_column(String(1000))

    img_file: Mapped[StoredFile | None] = relationship()


class Transcript(db.Model):
    """An episode's timed transcript in one language; the VTT/SRT source is kept in storage."""

    __tablename__ = "transcripts"
    __table_args__ = (
        UniqueConstraint("episode_id", "language", name="uq_transcripts_episode_id_language"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    language: Mapped[str] = mapped_column(String(35))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # --- site ---
    # The parsed cues ([{"start", "end", "text", "speaker"}]), so pages show the
    # transcript without reading storage; the stored file stays the original.
    cues: Mapped[list] = mapped_column(JSON, default=list, server_default="[]", deferred=True)

    file: Mapped[StoredFile] = relationship()


class AlternateEnclosure(db.Model):
    """The episode's audio in another format, for podcast:alternateEnclosure."""

    __tablename__ = "alternate_enclosures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    title: Mapped[str | None] = mapped_column(String(128))
    bitrate: Mapped[int | None] = mapped_column(Integer)
    codecs: Mapped[str | None] = mapped_column(String(64))  # RFC 6381; Opus and Vorbis share a type

    file: Mapped[StoredFile] = relationship()


class FeedCache(db.Model):
    """A rendered feed page, shared by every web process through the database.

    ``valid_until`` is the earliest future publish time of the show's episodes:
    after it the page is rebuilt, so a scheduled episode appears on time with no
    one touching anything. ``stale`` is set in the same transaction as any change
    to the show or its episodes; ``settings_key`` tells when the configuration
    (base URL, hub) changed. ``notified_etag`` is what WebSub last announced.
    """

    __tablename__ = "feed_cache"

    show_id: Mapped[int] = mapped_column(
        ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True
    )
    page: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_gzip: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(64))
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    notified_etag: Mapped[str | None] = mapped_column(String(64))
    settings_key: Mapped[str | None] = mapped_column(String(64))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- Download analytics (issue 6) -------------------------------------------
# Raw hits live for ANALYTICS_RETENTION_DAYS, then only the daily counts remain.
# No row holds an IP address: hits carry a keyed hash whose key (the day's
# salt) is deleted when the day ends.


class DownloadSalt(db.Model):
    """The secret of one UTC day, shared by every web process through the database."""

    __tablename__ = "download_salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))


class DownloadHit(db.Model):
    """One request for an episode's audio; ``reason`` says why it does not count, if so."""

    __tablename__ = "download_hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date, index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    listener: Mapped[str] = mapped_column(String(64))
    app: Mapped[str] = mapped_column(String(100), default="")
    platform: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str | None] = mapped_column(String(20))


class DailyDownloads(db.Model):
    """Downloads of one episode on one UTC day by one app and platform, after dedup."""

    __tablename__ = "daily_downloads"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    app: Mapped[str] = mapped_column(String(100), primary_key=True)
    platform: Mapped[str] = mapped_column(String(100), primary_key=True)
    downloads: Mapped[int] = mapped_column(Integer)


class DirectoryLink(db.Model):
    """A show's page in a podcast directory (Apple Podcasts, Spotify, ...), set in the studio.

    Kept apart from ``Show`` because most shows list only a few directories,
    and the set of directories grows without a schema change.
    """

    __tablename__ = "directory_links"
    __table_args__ = (
        UniqueConstraint("show_id", "directory", name="uq_directory_links_show_id_directory"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    directory: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(1000))


# --- editor (issue 4: the episode editor) ---


class DeletedGuid(db.Model):
    """The GUID of a deleted episode: apps remember GUIDs, so none may ever come back.

    Apps treat an item with a known GUID as the episode they already have, so a
    reused GUID would hide a new episode or resurrect a deleted one. Imports
    bring their own GUIDs, so new episodes are checked against this table.
    """

    __tablename__ = "deleted_guids"

    guid: Mapped[str] = mapped_column(String(255), primary_key=True)
    show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- upload (issue 4): audio on its way in, before it becomes an episode ----


class PendingUpload(db.Model):
    """An upload in progress, or finished and probed but not yet an episode.

    The browser sends the bytes straight to S3 as a multipart upload
    (``multipart_upload_id``) or in chunks through the app to local disk, and
    may stop and resume across requests, page loads and network drops; this
    row is what ties the pieces together. Once the file is complete and
    probed (``state`` "ready"), ``probe`` holds what the form is pre-filled
    from. Rows nobody finishes are cleaned up by ``flask uploads clean``.
    """

    __tablename__ = "pending_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # the id in URLs
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    storage_key: Mapped[str] = mapped_column(String(512))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)  # as declared before the first byte
    state: Mapped[str] = mapped_column(String(12), default="receiving")  # or "ready"
    multipart_upload_id: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str | None] = mapped_column(String(64))
    probe: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    show: Mapped[Show] = relationship()


# --- accounts: one-time links and the login rate limit ---------------------


class AccountToken(db.Model):
    """A one-time link to set a password: an invitation or a password reset.

    Only the SHA-256 of the token is kept, so a copy of the database cannot
    be used to take over an account; the link itself is shown once.
    """

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))  # "invite" or "reset"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """A failed login, kept in the database so every web process counts the same failures.

    Neither the email nor the address is stored as given: both are keyed hashes.
    """

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email_key: Mapped[str] = mapped_column(String(64), index=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


# --- imports (issue 7) -------------------------------------------------------
# An import is a job row with one item row per source episode. The database is
# the only state: any worker process may claim a job whose lease has run out,
# and an item is marked done in the same transaction that creates its episode,
# so an interrupted import continues where it stopped without duplicates.


class ImportJob(db.Model):
    """Bringing a show's media over from its old host, in the background."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    # The feed URL, or "upload:<file name>" for a feed file.
    source: Mapped[str] = mapped_column(String(2000))
    # Relative URLs in the feed resolve against this; None for a file without a self link.
    base_url: Mapped[str | None] = mapped_column(String(2000))
    state: Mapped[str] = mapped_column(String(10), default="queued")  # queued running done failed
    # In English, for the CLI; the studio words message_codes (see ImportItem.message_codes).
    message: Mapped[str | None] = mapped_column(Text)
    message_codes: Mapped[list | None] = mapped_column(JSON)
    # The channel artwork still to fetch; None once it is stored (or there is none).
    artwork_url: Mapped[str | None] = mapped_column(String(2000))
    # The show's podcast:person pictures are still to fetch from the old host.
    persons_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # A worker holds the job until lease_until; after that another may take it over.
    worker: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    show: Mapped[Show] = relationship()
    items: Mapped[list[ImportItem]] = relationship(
        order_by="ImportItem.position", cascade="all, delete-orphan", passive_deletes=True
    )


class ImportItem(db.Model):
    """One source episode of an import: pending, done (with its episode) or skipped (why)."""

    __tablename__ = "import_items"
    __table_args__ = (UniqueConstraint("job_id", "guid", name="uq_import_items_job_id_guid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    # The source GUID verbatim; None for an item skipped before it had a usable one.
    guid: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending done skipped
    # Why it was skipped, or what of it was left out, in English for the CLI.
    message: Mapped[str | None] = mapped_column(Text)
    # The same as stable codes with their values (app.services.imports.Note.as_data), one per
    # sentence of the message, for the studio to word in the reader's language; None for rows
    # written before codes were kept, whose English message is shown as it is.
    message_codes: Mapped[list | None] = mapped_column(JSON)
    # The parsed item (feeds.parse.episode_to_dict), so a resumed job needs no refetch.
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    episode_id: Mapped[int | None] = mapped_column(
        ForeignKey("episodes.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- audio processing (issue 16) ----------------------------------------------


class EpisodeAudio(db.Model):
    """Where an episode's audio is on its way to listeners, and what was measured.

    ``master`` is the file as uploaded, kept for the show's members; the episode's
    ``audio`` is what the feed publishes: the master itself when it needed nothing,
    or the MP3 made from it. ``state`` is queued, processing, ready or failed (with
    ``reason``, a code the studio words). An episode with a row that is not ready
    stays out of the feed. ``generation`` grows with every new master, so a job
    that finds it changed knows its work is for audio no longer wanted.
    """

    __tablename__ = "episode_audio"

    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True
    )
    master_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    # The alternate enclosure processing made (AAC or Opus), replaced with the audio.
    alternate_id: Mapped[int | None] = mapped_column(ForeignKey("alternate_enclosures.id"))
    generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    state: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    reason: Mapped[str | None] = mapped_column(String(32))
    # The producer's "don't normalise this one"; the show's setting applies otherwise.
    normalise: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    action: Mapped[str | None] = mapped_column(String(12))  # kept, normalised, transcoded
    notes: Mapped[list] = mapped_column(JSON, default=list)  # [{"code", "values"}]
    loudness_before: Mapped[float | None] = mapped_column(Float)
    true_peak_before: Mapped[float | None] = mapped_column(Float)
    range_before: Mapped[float | None] = mapped_column(Float)
    loudness_after: Mapped[float | None] = mapped_column(Float)
    true_peak_after: Mapped[float | None] = mapped_column(Float)
    channels: Mapped[int | None] = mapped_column(Integer)
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    target: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    master: Mapped[StoredFile] = relationship()
    alternate: Mapped[AlternateEnclosure | None] = relationship()
    episode: Mapped[Episode] = relationship(
        backref=backref("audio_processing", uselist=False, cascade="all, delete-orphan")
    )
