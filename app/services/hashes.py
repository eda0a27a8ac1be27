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

from flask import current_app
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
# A file that cannot be read waits 1 min, then 2, 4 ... up to 6 h before the next try:
# a lost object must not fill the log every round, a storage hiccup must heal soon.
RETRY_FIRST_SECONDS = 60.0
RETRY_MAX_SECONDS = 6 * 3600.0


def hash_pending(
    budget_seconds: float = BUDGET_SECONDS, clock: Callable[[], float] = time.monotonic
) -> int:
    """Hash pending objects one by one, each committed, until none is left or time is up.

    The worker also refreshes feeds, so a round stops starting new files after
    ``budget_seconds``; the rest waits for the next round. A file that cannot
    be read is logged and tried again after a growing pause (``_backoff``), so
    neither a storage error nor a lost object stops the others or the worker.
    Returns how many objects were hashed.
    """
    retries = _retries()
    now = clock()
    deadline = now + budget_seconds
    skipped = {key for key, (next_at, _) in retries.items() if next_at > now}
    hashed = 0
    while clock() < deadline:
        keys = _pending_keys(skipped, BATCH)
        if not keys:
            break
        for key in keys:
            if clock() >= deadline:
                break
            if _hash_quietly(key, clock):
                hashed += 1
            else:
                skipped.add(key)
    return hashed


def hash_key(key: str) -> bool:
    """Hash one object now (a queued job); False when storage could not read it (logged)."""
    return _hash_quietly(key, time.monotonic)


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


def _hash_quietly(key: str, clock: Callable[[], float]) -> bool:
    """Hash one object and record it; a storage failure is logged and backed off, never raised."""
    retries = _retries()
    try:
        digest = current_storage().sha256(key)
    except StorageError as exc:
        failures = retries.get(key, (0.0, 0))[1] + 1
        delay = _backoff(failures)
        retries[key] = (clock() + delay, failures)
        log.warning(
            "could not hash %s (failure %d; next try in %.0f s): %s", key, failures, delay, exc
        )
        return False
    retries.pop(key, None)
    _record(key, digest)
    return True


def _backoff(failures: int) -> float:
    """Seconds to wait after the ``failures``-th failure in a row."""
    return min(RETRY_FIRST_SECONDS * 2 ** min(failures - 1, 30), RETRY_MAX_SECONDS)


def _retries() -> dict[str, tuple[float, int]]:
    """Key -> (clock time of the next try, failures in a row), kept by the worker's app.

    Only the worker hashes in rounds, and a restart trying every file once more is fine.
    """
    return current_app.extensions.setdefault("hash_retries", {})


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
