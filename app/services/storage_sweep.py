"""Finding and removing orphan objects: in storage, but named by no row.

Services store an object before committing the row that names it, and
``files.store_file`` removes the object when the commit fails; only a process
killed in between (an import stopped mid-store, a worker killed for memory), or
a delete after a commit that failed, leaves an object nothing points to. The
sweep finds those and, when asked, removes them.

Two columns name storage keys: ``StoredFile.storage_key`` (audio, artwork,
transcripts, pictures, alternate enclosures: every other table points at a
stored file) and ``PendingUpload.storage_key`` (an upload not yet an episode).
Both are read in one statement, so an upload becoming an episode, which moves
its key from one table to the other in one commit, is always seen in one of
them. An upload's key also protects every key with the same stem: finishing a
chunked upload on disk gives the file its final extension before the row is
told.

Writes that never finished are swept too where the backend keeps them as
files: on local disk, the temp file of a save whose process died, and a
chunked upload's partial file once no ``PendingUpload`` has its token. On S3
they are multipart uploads, which the hourly ``clean uploads`` job already
aborts when no row names them (uploads.clean_abandoned).

Only what was last modified longer ago than the grace period is taken, so an
object stored a moment before its row commits is never touched; and each is
checked again (named by a row now? written since?) right before it is deleted.
"""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import false, literal, select, union_all

from app.extensions import db
from app.models import PendingUpload, StoredFile, utcnow
from app.services.errors import StorageUnavailable
from app.storage import current_storage
from media.storage import (
    LocalStorage,
    ObjectInfo,
    ObjectNotFound,
    Storage,
    StorageError,
    partial_upload_id,
    validate_key,
)

log = logging.getLogger(__name__)

# What each row of named_keys' statement is: a stored file's key, an upload's key
# or an upload's token (which names its partial file on local disk).
FILE, UPLOAD, TOKEN = "file", "upload", "token"


@dataclass(frozen=True)
class SweepResult:
    """What a sweep found and, with deletion, what it removed before finishing or stopping."""

    listed: int
    orphans: list[ObjectInfo]
    removed: list[ObjectInfo] = field(default_factory=list)
    failure: str | None = None  # why removal stopped; the rest was left untouched

    @property
    def orphan_bytes(self) -> int:
        return sum(info.size for info in self.orphans)

    @property
    def removed_bytes(self) -> int:
        return sum(info.size for info in self.removed)


@dataclass(frozen=True)
class NamedKeys:
    """The keys stored files name, the stems of uploads' keys, and uploads' tokens."""

    files: frozenset[str]
    upload_stems: frozenset[str]
    upload_tokens: frozenset[str]

    def protect(self, key: str) -> bool:
        upload_id = partial_upload_id(key)
        if upload_id is not None:
            return upload_id in self.upload_tokens
        return key in self.files or stem(key) in self.upload_stems


def sweep_storage(
    *, delete: bool, grace: timedelta | None = None, now: datetime | None = None
) -> SweepResult:
    """List storage, find the orphans older than ``grace`` and, if ``delete``, remove them.

    Objects are removed one at a time; the first storage error stops the
    removal and is reported with what was removed before it, since a store
    that refuses one delete is unlikely to take the next. Running again
    continues where it stopped.

    :raise StorageUnavailable: when storage cannot be listed; nothing is removed.
    """
    if grace is None:
        grace = timedelta(seconds=current_app.config["STORAGE_SWEEP_GRACE"])
    cutoff = (now or utcnow()) - grace
    storage = current_storage()
    listing = _listing(storage)
    old = [info for info in listing if info.last_modified <= cutoff and in_show_folder(info.key)]
    named = named_keys()
    orphans = [info for info in old if not named.protect(info.key)]
    if not delete:
        return SweepResult(len(listing), orphans)
    removed = []
    for info in orphans:
        try:
            if remove_if_orphan(storage, info.key, cutoff):
                removed.append(info)
        except StorageError as exc:
            log.warning("storage sweep stopped at %s: %s", info.key, exc)
            return SweepResult(len(listing), orphans, removed, f"{info.key}: {exc}")
    return SweepResult(len(listing), orphans, removed)


def _listing(storage: Storage) -> list[ObjectInfo]:
    """Every object, and on local disk every unfinished write, sorted by key.

    :raise StorageUnavailable: when either listing fails, before anything is removed.
    """
    try:
        listing = storage.list_objects()
        if isinstance(storage, LocalStorage):
            listing = sorted([*listing, *storage.list_unfinished()], key=lambda info: info.key)
    except StorageError as exc:
        log.warning("storage sweep: listing failed, nothing removed: %s", exc)
        raise StorageUnavailable(
            gettext("Storage could not be listed, so nothing was removed: %(reason)s", reason=exc)
        ) from exc
    return listing


def in_show_folder(key: str) -> bool:
    """Whether the app could have written ``key``: every key it makes is a valid ``<show>/...``.

    A file at the top of the storage area was put there by someone else (a
    storage URL pointing at a shared folder), and so was a key no backend
    call accepts (an S3 console's ``folder/`` marker), so neither is swept.
    """
    try:
        validate_key(key)
    except StorageError:
        return False
    return "/" in key


def stem(key: str) -> str:
    return posixpath.splitext(key)[0]


def named_keys(key: str | None = None) -> NamedKeys:
    """Every key a row names (or, given ``key``, the names that could protect it).

    One statement reads one snapshot, so no key is missed while it moves
    from an upload's row to its episode's stored file.
    """
    files = select(StoredFile.storage_key, literal(FILE))
    uploads = select(PendingUpload.storage_key, literal(UPLOAD))
    tokens = select(PendingUpload.token, literal(TOKEN))
    if key is not None:
        upload_id = partial_upload_id(key)
        files = files.where(StoredFile.storage_key == key)
        uploads = uploads.where(PendingUpload.storage_key.startswith(stem(key), autoescape=True))
        tokens = tokens.where(PendingUpload.token == upload_id if upload_id else false())
    rows = db.session.execute(union_all(files, uploads, tokens)).all()
    return NamedKeys(
        files=frozenset(name for name, kind in rows if kind == FILE),
        upload_stems=frozenset(stem(name) for name, kind in rows if kind == UPLOAD),
        upload_tokens=frozenset(name for name, kind in rows if kind == TOKEN),
    )


def remove_if_orphan(storage: Storage, key: str, cutoff: datetime) -> bool:
    """Delete one orphan if it still is one; False when it was named, rewritten or gone.

    The row check comes first and the age check last, right before the
    delete, so a save of a new object at this key after the listing is
    seen as a fresh modification time and the object is kept.
    """
    if named_keys(key).protect(key):
        return False
    try:
        current = storage.stat(key)
    except ObjectNotFound:
        return False
    if current.last_modified > cutoff:
        return False
    storage.delete(key)
    log.info(
        "storage sweep removed %s (%d bytes, last modified %s)",
        key,
        current.size,
        current.last_modified.isoformat(timespec="seconds"),
    )
    return True
