"""The database rows: Show, Episode, StoredFile, User and DirectoryLink (SQLAlchemy 2.0, typed)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
        return self.sha256[:32]


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
    image_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    image: Mapped[StoredFile | None] = relationship()
    episodes: Mapped[list[Episode]] = relationship(back_populates="show")
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

    show: Mapped[Show] = relationship(back_populates="episodes")
    audio: Mapped[StoredFile] = relationship()

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
