"""Putting a file in storage and its row in the database, all or nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from sqlalchemy import select

from app.extensions import db
from app.models import Episode, StoredFile
from app.services.errors import StorageUnavailable
from app.storage import current_storage
from media.storage import StorageError

log = logging.getLogger(__name__)


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
            "The file could not be stored right now. Nothing was saved; please try again."
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


def find_media(key: str) -> tuple[StoredFile, Episode | None] | None:
    """The stored file and the episode whose audio it is, in one query: /media is hot."""
    row = db.session.execute(
        select(StoredFile, Episode)
        .outerjoin(Episode, Episode.audio_id == StoredFile.id)
        .where(StoredFile.storage_key == key)
    ).first()
    return None if row is None else (row[0], row[1])
