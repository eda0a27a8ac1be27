"""Content hashes of audio the browser sent straight to S3, worked out after the request.

Completing a direct upload must answer well within gunicorn's worker timeout,
and reading a 4 GiB object back to hash it takes about as long as that timeout
(see uploads._finish_direct). So completion leaves the hash pending:
``PendingUpload.sha256`` is None, and ``StoredFile.sha256`` is ``PENDING`` once
the upload has become an episode. The worker reads each such object once, here;
an export hashes whatever of its show is still pending first, because an
archive's manifest must carry every checksum its import verifies.

The hash belongs to the object, not to a row: a storage key is never reused,
and an upload's key becomes its episode's, so a hash is recorded on every row
that names the key. An upload that became an episode while it was being hashed
thereby still gets it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection

from sqlalchemy import select, update

from app.extensions import db
from app.models import PendingUpload, StoredFile
from app.services.errors import StorageUnavailable
from app.services.uploads import READY
from app.storage import current_storage
from media.storage import StorageError

log = logging.getLogger(__name__)

PENDING = ""  # StoredFile.sha256 until the object has been read once
BATCH = 10
BUDGET_SECONDS = 20.0


def hash_pending(
    budget_seconds: float = BUDGET_SECONDS, clock: Callable[[], float] = time.monotonic
) -> int:
    """Hash pending objects one by one, each committed, until none is left or time is up.

    The worker also refreshes feeds, so a round stops starting new files after
    ``budget_seconds``; the rest waits for the next round. A file that cannot
    be read is logged and skipped for this round only, so neither a storage
    error nor a lost object stops the others or the worker.
    Returns how many objects were hashed.
    """
    deadline = clock() + budget_seconds
    failed: set[str] = set()
    hashed = 0
    while clock() < deadline:
        keys = _pending_keys(failed, BATCH)
        if not keys:
            break
        for key in keys:
            if clock() >= deadline:
                break
            if _hash_quietly(key):
                hashed += 1
            else:
                failed.add(key)
    return hashed


def hash_stored_files(file_ids: Collection[int]) -> None:
    """Hash, now, whichever of these stored files are still pending (for an export).

    :raise StorageUnavailable: when one cannot be read; those hashed before it keep their hash.
    """
    keys = db.session.scalars(
        select(StoredFile.storage_key).where(
            StoredFile.id.in_(sorted(file_ids)), StoredFile.sha256 == PENDING
        )
    ).all()
    for key in keys:
        try:
            digest = current_storage().sha256(key)
        except StorageError as exc:
            raise StorageUnavailable(f"The stored file {key} could not be read: {exc}") from exc
        _record(key, digest)


def _pending_keys(skip: set[str], limit: int) -> list[str]:
    """Keys of finished uploads and stored files with no hash yet, oldest rows first."""
    uploads = (
        select(PendingUpload.storage_key)
        .where(
            PendingUpload.state == READY,
            PendingUpload.sha256.is_(None),
            PendingUpload.storage_key.not_in(skip),
        )
        .order_by(PendingUpload.id)
        .limit(limit)
    )
    files = (
        select(StoredFile.storage_key)
        .where(StoredFile.sha256 == PENDING, StoredFile.storage_key.not_in(skip))
        .order_by(StoredFile.id)
        .limit(limit)
    )
    keys = list(db.session.scalars(uploads)) + list(db.session.scalars(files))
    return list(dict.fromkeys(keys))[:limit]


def _hash_quietly(key: str) -> bool:
    """Hash one object and record it; a storage failure is logged, never raised."""
    try:
        digest = current_storage().sha256(key)
    except StorageError as exc:
        log.warning("could not hash %s (tried again next round): %s", key, exc)
        return False
    _record(key, digest)
    return True


def _record(key: str, digest: str) -> None:
    """Give the hash to every row naming the key that still lacks it, and commit."""
    db.session.execute(
        update(PendingUpload)
        .where(PendingUpload.storage_key == key, PendingUpload.sha256.is_(None))
        .values(sha256=digest)
    )
    db.session.execute(
        update(StoredFile)
        .where(StoredFile.storage_key == key, StoredFile.sha256 == PENDING)
        .values(sha256=digest)
    )
    db.session.commit()
