"""Putting a file in storage and its row in the database, all or nothing."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import AlternateEnclosure, Episode, StoredFile, Transcript, utcnow
from app.services.errors import StorageUnavailable
from app.storage import current_storage
from media.storage import StorageError

log = logging.getLogger(__name__)

MEDIA_CACHE_SIZE = 10_000
MEDIA_CACHE_KEY = "media_cache"


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
    """What /media needs of a stored file and of the episode it belongs to, if any.

    Plain values, so a copy can outlive the request and the session.
    """

    storage_key: str
    size: int
    mime_type: str
    etag: str
    created_at: datetime
    duration: float | None
    episode_id: int | None  # set for an episode's main audio, whose hits are counted
    published_at: datetime | None  # of the episode the file belongs to
    # The episode whose audio (main or another encoding) or transcript this is: it
    # decides who may fetch the file. None for artwork and pictures, which are public.
    owner_episode_id: int | None = None

    @classmethod
    def of(cls, stored: StoredFile, episode: Episode | None, owner: Episode | None) -> MediaFile:
        return cls(
            storage_key=stored.storage_key,
            size=stored.size,
            mime_type=stored.mime_type,
            etag=stored.etag,
            created_at=stored.created_at,
            duration=stored.duration,
            episode_id=episode.id if episode else None,
            published_at=owner.published_at if owner else None,
            owner_episode_id=owner.id if owner else None,
        )

    def is_public(self, now: datetime | None = None) -> bool:
        """Whether anyone may fetch it: not part of an episode, or its episode is out.

        Draft, scheduled and unpublished episodes' audio answers 404 to the public
        (issue 12); their members preview it with a signed link (app.delivery.previews).
        """
        if self.owner_episode_id is None:
            return True
        return self.published_at is not None and self.published_at <= (now or utcnow())


def find_media(key: str) -> MediaFile | None:
    """The stored file and its episode, from a short-lived per-process cache.

    /media is the hottest path: apps fetch the same few new episodes over
    and over, and the query costs more than everything else a hit does.
    Keys are never reused, so only the episode's publication and, once, the
    ETag (when a pending hash arrives) can change; another process sees both
    within ``MEDIA_CACHE_SECONDS``, this one at once (``_forget_media``).
    """
    ttl = current_app.config["MEDIA_CACHE_SECONDS"]
    cache = current_app.extensions.setdefault(MEDIA_CACHE_KEY, {})
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
    stored, episode = row
    found = MediaFile.of(stored, episode, episode or _owning_episode(stored.id))
    if ttl > 0:
        if len(cache) >= MEDIA_CACHE_SIZE:
            cache.clear()
        cache[key] = (now + ttl, found)
    return found


def _owning_episode(file_id: int) -> Episode | None:
    """The episode whose other encoding or transcript this file is, if any."""
    for model in (AlternateEnclosure, Transcript):
        episode = db.session.scalar(
            select(Episode)
            .join(model, model.episode_id == Episode.id)
            .where(model.file_id == file_id)
        )
        if episode is not None:
            return episode
    return None


@event.listens_for(Session, "after_flush")
def _forget_media(session: Session, flush_context: object) -> None:
    """An episode published, unpublished or rescheduled: this process forgets at once."""
    if has_app_context() and any(
        isinstance(obj, Episode) for obj in (*session.dirty, *session.deleted)
    ):
        current_app.extensions.get(MEDIA_CACHE_KEY, {}).clear()


def delete_stored_quietly(keys: list[str]) -> None:
    """Remove objects whose rows were deleted and committed; a failure is logged, never raised.

    After the commit, so a failed commit never leaves a row pointing at nothing;
    a failure here leaves an unreferenced object, which is logged.
    """
    for key in keys:
        _delete_quietly(key)
