"""Putting a file in storage and its row in the database, all or nothing."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from app.extensions import db
from app.models import Episode, StoredFile
from app.services.errors import StorageUnavailable
from app.storage import current_storage
from media.storage import StorageError

log = logging.getLogger(__name__)

MEDIA_CACHE_SIZE = 10_000


@contextmanager
def store_file(
    key: str,
    stream: BinaryIO,
    mime_type: str,
    *,
    duration: float | None = None,
    original_filename: str | None = None,
) -> Iterator[StoredFile]:
    """Save ``stream`` at ``key`` and yield its unsaved row for the caller to commit.

    If the caller's block raises (its commit included), the session is rolled
    back and the object deleted, so storage never keeps an object no row
    points to, and no row points to a missing object.

    :raise StorageUnavailable: when the backend refuses the write.
    """
    storage = current_storage()
    try:
        saved = storage.save(key, stream, mime_type)
    except StorageError as exc:
        log.warning("storage refused %s: %s", key, exc)
        raise StorageUnavailable(
            gettext("The file could not be stored right now. Nothing was saved; please try again.")
        ) from exc
    stored = StoredFile(
        storage_key=saved.key,
        size=saved.size,
        sha256=saved.sha256,
        mime_type=mime_type,
        duration=duration,
        original_filename=original_filename,
    )
    try:
        yield stored
    except BaseException:
        db.session.rollback()
        _delete_quietly(key)
        raise


def _delete_quietly(key: str) -> None:
    """Best effort: the original error is what the user must see."""
    try:
        current_storage().delete(key)
    except StorageError:
        log.exception("could not remove orphan object %s", key)


@dataclass(frozen=True)
class MediaFile:
    """What /media needs of a stored file and, for episode audio, of its episode.

    Plain values, so a copy can outlive the request and the session.
    """

    storage_key: str
    size: int
    mime_type: str
    etag: str
    created_at: datetime
    duration: float | None
    episode_id: int | None
    published_at: datetime | None

    @classmethod
    def of(cls, stored: StoredFile, episode: Episode | None) -> MediaFile:
        return cls(
            storage_key=stored.storage_key,
            size=stored.size,
            mime_type=stored.mime_type,
            etag=stored.etag,
            created_at=stored.created_at,
            duration=stored.duration,
            episode_id=episode.id if episode else None,
            published_at=episode.published_at if episode else None,
        )


def find_media(key: str) -> MediaFile | None:
    """The stored file and its episode, from a short-lived per-process cache.

    /media is the hottest path: apps fetch the same few new episodes over
    and over, and the query costs more than everything else a hit does.
    Keys are never reused, so only the episode's publication and, once, the
    ETag (when a pending hash arrives) can change; both are seen within
    ``MEDIA_CACHE_SECONDS``.
    """
    ttl = current_app.config["MEDIA_CACHE_SECONDS"]
    cache = current_app.extensions.setdefault("media_cache", {})
    cached = cache.get(key)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1]
    row = db.session.execute(
        select(StoredFile, Episode)
        .outerjoin(Episode, Episode.audio_id == StoredFile.id)
        .where(StoredFile.storage_key == key)
    ).first()
    if row is None:
        return None  # misses are not cached, so a scan of made-up keys cannot fill memory
    found = MediaFile.of(row[0], row[1])
    if ttl > 0:
        if len(cache) >= MEDIA_CACHE_SIZE:
            cache.clear()
        cache[key] = (now + ttl, found)
    return found


def delete_stored_quietly(keys: list[str]) -> None:
    """Remove objects whose rows were deleted and committed; a failure is logged, never raised.

    After the commit, so a failed commit never leaves a row pointing at nothing;
    a failure here leaves an unreferenced object, which is logged.
    """
    for key in keys:
        _delete_quietly(key)
