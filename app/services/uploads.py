"""Uploads from the browser: resumable, straight to S3 or in chunks to disk, then probed.

An upload is a :class:`PendingUpload` row from its first byte until it
becomes an episode (:func:`app.services.episodes.add_episode_from_upload`).
With S3 storage the browser PUTs the parts of a multipart upload to
presigned URLs, so several gigabytes never pass through the app; with local
storage it PUTs chunks to the app, which appends them to a partial file.
Either way the browser can ask what arrived and send only the rest.

A refused file (too large, empty, not audio, damaged) is removed at once,
with its row: nothing of it stays in storage.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from babel.units import format_unit
from flask import current_app
from flask_babel import format_decimal, get_locale, gettext
from sqlalchemy import select

from app.extensions import db
from app.models import PendingUpload, Show, User, utcnow
from app.services.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    StorageUnavailable,
    TooLarge,
    UnsupportedMedia,
)
from app.storage import current_storage
from media.probe import MIME_TYPES, AudioInfo, UnsupportedAudio, probe_audio
from media.storage import (
    LocalStorage,
    ObjectNotFound,
    S3Storage,
    ShortChunk,
    StorageError,
    UploadedPart,
)

log = logging.getLogger(__name__)

S3_MAX_PARTS = 10_000
RECEIVING, READY = "receiving", "ready"
# Extensions we name stored audio by; anything else is named after what the probe finds.
AUDIO_EXTENSIONS = {f".{fmt}" for fmt in MIME_TYPES}


def refusal_message(code: str) -> str:
    """A probe refusal in the producer's language, by its code (media/probe.py)."""
    formats = "MP3, M4A (AAC), Opus, Ogg Vorbis, FLAC, WAV"
    messages: dict[str, Callable[[], str]] = {
        "empty": lambda: gettext("The file is empty (0 bytes). Please choose the file again."),
        "not_audio": lambda: gettext(
            "This is not an audio file we can recognise. "
            "Please upload a sound file in one of these formats: %(formats)s.",
            formats=formats,
        ),
        "unsupported_format": lambda: gettext(
            "This audio format is not supported. "
            "Please convert the file to one of these formats: %(formats)s.",
            formats=formats,
        ),
        "zero_duration": lambda: gettext(
            "The file holds no sound: its length is zero. Please export it again."
        ),
        "truncated": lambda: gettext(
            "The file seems cut short or damaged, for example by an interrupted export "
            "or upload. Please export or upload it again."
        ),
    }
    return messages.get(code, messages["not_audio"])()


def too_large_message(limit: int) -> str:
    """The refusal of a file over MAX_UPLOAD_BYTES, naming the limit."""
    return gettext(
        "The file is larger than the limit of %(limit)s. Nothing was saved.",
        limit=human_size(limit),
    )


def human_size(size: float) -> str:
    """A size in decimal units, in the page's language: ``481.2 kB``, ``481,2 kB`` in Swedish.

    Babel's CLDR units, so the upload page's script (``Intl.NumberFormat`` with the same
    units) and every server-rendered page show one file the same way.
    """
    unit = "byte"
    for unit in _SIZE_UNITS:
        if size < 1000 or unit == _SIZE_UNITS[-1]:
            break
        size /= 1000
    return format_unit(
        size, f"digital-{unit}", length="short", format="#,##0.#", locale=get_locale() or "en"
    )


_SIZE_UNITS = ("byte", "kilobyte", "megabyte", "gigabyte", "terabyte")


@dataclass(frozen=True)
class Progress:
    """What has arrived of an upload: whole parts (S3) or a byte count (disk)."""

    received: int
    parts: tuple[int, ...] = ()


# --- starting ----------------------------------------------------------------


def begin_upload(
    show: Show, user: User, filename: str, size: Any, content_type: str, origin: str | None
) -> PendingUpload:
    """Check the declared file and open an upload for it.

    :raise InvalidInput: for a missing name or a size that is not a number.
    :raise UnsupportedMedia: for an empty file.
    :raise TooLarge: when the declared size is over the limit; nothing is started.
    :raise StorageUnavailable: when storage refuses to start the upload.
    """
    filename = os.path.basename((filename or "").replace("\\", "/")).strip()[:255]
    if not filename:
        raise InvalidInput(gettext("Choose an audio file to upload."), "audio")
    size = _declared_size(size)
    token = secrets.token_urlsafe(18)
    extension = os.path.splitext(filename)[1].lower()
    key = f"{show.slug}/{uuid.uuid4().hex}{extension if extension in AUDIO_EXTENSIONS else ''}"
    upload = PendingUpload(
        token=token,
        show_id=show.id,
        user_id=user.id,
        storage_key=key,
        filename=filename,
        content_type=(content_type or "application/octet-stream")[:100],
        size=size,
        state=RECEIVING,
    )
    storage = current_storage()
    if isinstance(storage, S3Storage):
        with _storage_errors():
            _allow_origin(storage, origin)
            upload.multipart_upload_id = storage.create_multipart(key, _mime_guess(key))
    db.session.add(upload)
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _discard(upload)
        raise
    return upload


def _declared_size(size: Any) -> int:
    """A whole number of bytes: JSON's ``true``, ``1e400`` and ``"12abc"`` are no size."""
    try:
        if isinstance(size, bool):
            raise TypeError(size)
        size = int(size)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(gettext("The size of the file is missing."), "audio") from None
    if size <= 0:
        raise UnsupportedMedia(refusal_message("empty"), "audio", code="empty")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if size > limit:
        raise TooLarge(too_large_message(limit), "audio")
    return size


def _mime_guess(key: str) -> str:
    """The object's Content-Type: what its extension says; the probe checks the bytes later."""
    return MIME_TYPES.get(os.path.splitext(key)[1].lstrip("."), "application/octet-stream")


def _allow_origin(storage: S3Storage, origin: str | None) -> None:
    """Add the studio's origin to the bucket's CORS rules once per process (UPLOAD_CORS=auto)."""
    if current_app.config["UPLOAD_CORS"] != "auto" or not origin:
        return
    done = current_app.extensions.setdefault("upload_cors_origins", set())
    if origin not in done:
        if storage.allow_browser_origin(origin):
            log.info("allowed browser uploads from %s in the bucket's CORS rules", origin)
        done.add(origin)


def part_size(upload: PendingUpload) -> int:
    """Bytes per part or chunk: the configured size, larger if S3's 10,000 parts need it."""
    if is_direct(upload):
        configured = current_app.config["UPLOAD_PART_BYTES"]
        return max(configured, math.ceil(upload.size / S3_MAX_PARTS))
    return current_app.config["UPLOAD_CHUNK_BYTES"]


def part_count(upload: PendingUpload) -> int:
    return math.ceil(upload.size / part_size(upload))


def is_direct(upload: PendingUpload) -> bool:
    """Whether the browser sends the bytes straight to S3."""
    return upload.multipart_upload_id is not None


# --- finding and following -----------------------------------------------------


def get_upload(show: Show, user: User, token: str) -> PendingUpload:
    """One of this user's uploads to this show; anyone else's is as good as missing.

    :raise NotFound: for an unknown, finished or foreign upload.
    """
    upload = db.session.scalar(
        select(PendingUpload).where(
            PendingUpload.token == token,
            PendingUpload.show_id == show.id,
            PendingUpload.user_id == user.id,
        )
    )
    if upload is None:
        raise NotFound(
            gettext("This upload is no longer here. Please choose the file again."), "audio"
        )
    return upload


def progress(upload: PendingUpload) -> Progress:
    """What storage holds of the upload, asked of storage itself.

    :raise StorageUnavailable: when storage cannot be asked.
    """
    if upload.state == READY:
        return Progress(upload.size)
    storage = current_storage()
    with _storage_errors():
        if is_direct(upload):
            parts = _parts(storage, upload)
            return Progress(sum(p.size for p in parts), tuple(p.number for p in parts))
        return Progress(_partials(storage).size(upload.token))


def presign_parts(upload: PendingUpload, numbers: list[int]) -> dict[int, str]:
    """PUT URLs for the parts the browser is about to send.

    :raise InvalidInput: for part numbers outside the file, or a disk upload.
    """
    if not is_direct(upload) or upload.state != RECEIVING:
        raise InvalidInput(gettext("This upload takes no more parts."))
    count = part_count(upload)
    if not numbers or any(not isinstance(n, int) or not 1 <= n <= count for n in numbers):
        raise InvalidInput(gettext("Those parts are not in this file."))
    storage = current_storage()
    assert isinstance(storage, S3Storage)
    with _storage_errors():
        return {
            n: storage.presign_part(upload.storage_key, upload.multipart_upload_id or "", n)
            for n in sorted(set(numbers))
        }


def receive_chunk(
    upload: PendingUpload,
    start: int,
    end: int,
    total: int,
    stream: BinaryIO,
    body_length: int | None = None,
) -> int:
    """Append bytes ``start``-``end`` of the file (a Content-Range) to a disk upload.

    ``body_length`` is the request's Content-Length: a body that is not as long as
    its range is the client's mistake (422), refused before a byte is written, as
    is a body that ends early; storage keeps nothing of either.

    :raise InvalidInput: for a range that does not fit the declared file, or a body
        that is not as long as the range.
    :raise Conflict: when ``start`` is past what arrived; the client resends from there.
    :raise TooLarge: when the file turns out larger than declared; the upload is dropped.
    """
    if is_direct(upload) or upload.state != RECEIVING:
        raise InvalidInput(gettext("This upload takes no more parts."))
    if not 0 <= start <= end < total or end - start + 1 > part_size(upload):
        raise InvalidInput(gettext("That piece of the file does not fit."))
    if total != upload.size:
        _refuse(upload)
        raise InvalidInput(
            gettext("The file changed while it was being uploaded. Please choose it again."),
            "audio",
        )
    length = end - start + 1
    if body_length is not None and body_length != length:
        raise InvalidInput(_chunk_length_message(body_length, length))
    partials = _partials(current_storage())
    try:
        return partials.write(upload.token, start, stream, length)
    except ShortChunk as exc:
        raise InvalidInput(_chunk_length_message(None, length)) from exc
    except StorageError as exc:
        received = partials.size(upload.token)
        if start > received:
            raise Conflict(gettext("Part of the file is missing; sending it again.")) from exc
        log.warning("upload %s: %s", upload.token, exc)
        raise StorageUnavailable(
            gettext("A piece of the file did not arrive whole; sending it again.")
        ) from exc


def _chunk_length_message(sent: int | None, named: int) -> str:
    """What was wrong with a chunk whose body and Content-Range disagree."""
    if sent is None:
        return gettext(
            "The piece of the file ended before the %(named)s bytes its Content-Range names. "
            "Nothing of it was kept; send it again.",
            named=format_decimal(named),
        )
    return gettext(
        "The piece of the file has %(sent)s bytes, but its Content-Range names %(named)s. "
        "Nothing of it was kept; send it again.",
        sent=format_decimal(sent),
        named=format_decimal(named),
    )


# --- finishing ---------------------------------------------------------------


def finish_upload(upload: PendingUpload) -> PendingUpload:
    """Join what arrived into the stored object, probe it and keep what the form needs.

    :raise Conflict: when parts are still missing (the browser sends them and retries).
    :raise TooLarge: when more arrived than declared or allowed; the upload is dropped.
    :raise UnsupportedMedia: when the file is not publishable audio; it is dropped.
    :raise StorageUnavailable: when storage fails; the upload stays to retry.
    """
    if upload.state == READY:
        return upload
    storage = current_storage()
    with _storage_errors():
        received = progress(upload).received
    _check_complete(upload, received)
    with _storage_errors():
        if is_direct(upload):
            info = _finish_direct(storage, upload)
        else:
            info = _finish_on_disk(storage, upload)
    upload.probe = probe_summary(info)
    upload.state = READY
    db.session.commit()
    return upload


def _check_complete(upload: PendingUpload, received: int) -> None:
    """Too little is a pause; too much is a refusal, whatever the browser declared."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if received > upload.size or received > limit:
        _refuse(upload)
        raise TooLarge(too_large_message(limit), "audio")
    if received < upload.size:
        raise Conflict(gettext("Part of the file is missing; sending it again."))


def _finish_direct(storage: S3Storage, upload: PendingUpload) -> AudioInfo:
    """Complete the multipart upload, then probe the object in place with range reads.

    The SHA-256 is left pending for the worker (app/services/hashes.py): reading
    the whole object back takes about as long as a request may (27 s for 4 GiB),
    so the last step of a big upload would time out.
    """
    parts = _parts(storage, upload)
    if [p.number for p in parts] != list(range(1, len(parts) + 1)):
        raise Conflict(gettext("Part of the file is missing; sending it again."))
    storage.complete_multipart(upload.storage_key, upload.multipart_upload_id or "", parts)
    upload.multipart_upload_id = None
    try:
        with storage.open(upload.storage_key) as stream:
            info = _probe(stream)
    except UnsupportedMedia:
        _refuse(upload)
        raise
    except BaseException:
        db.session.rollback()
        raise
    _name_by_format(storage, upload, info)
    return info


def _name_by_format(storage: S3Storage, upload: PendingUpload, info: AudioInfo) -> None:
    """Give the object the extension of what it is; podcast apps look at enclosure URLs.

    Rare (the file's name lied about its format), so a server-side copy is cheap enough.
    """
    stem, extension = os.path.splitext(upload.storage_key)
    if extension == info.extension:
        return
    new_key = f"{stem}{info.extension}"
    storage.rename(upload.storage_key, new_key, info.mime_type)
    upload.storage_key = new_key


def _finish_on_disk(storage: LocalStorage, upload: PendingUpload) -> AudioInfo:
    """Probe the partial file, then move it into place named after its format."""
    partials = _partials(storage)
    try:
        with partials.open(upload.token) as stream:
            info = _probe(stream)
    except UnsupportedMedia:
        _refuse(upload)
        raise
    stem = os.path.splitext(upload.storage_key)[0]
    upload.storage_key = f"{stem}{info.extension}"
    saved = partials.finish(upload.token, upload.storage_key)
    upload.sha256 = saved.sha256
    return info


def _probe(stream: BinaryIO) -> AudioInfo:
    try:
        return probe_audio(stream)
    except UnsupportedAudio as exc:
        raise UnsupportedMedia(refusal_message(exc.code), "audio", code=exc.code) from exc


def probe_summary(info: AudioInfo) -> dict[str, Any]:
    """The probe as JSON: what the form is pre-filled from and what it shows."""
    return {
        "format": info.format,
        "mime_type": info.mime_type,
        "duration": info.duration,
        "title": info.tags.title or "",
        "description": info.tags.comment or "",
        "artist": info.tags.artist or "",
        "has_cover": info.cover is not None,
        "chapters": [{"start": c.start, "title": c.title, "url": c.url} for c in info.chapters],
    }


def read_audio(upload: PendingUpload) -> AudioInfo:
    """Probe a finished upload again for what the JSON leaves out (the cover's bytes).

    On S3 this reads only the blocks the tags live in, not the file.
    """
    storage = current_storage()
    with _storage_errors(), storage.open(upload.storage_key) as stream:
        return _probe(stream)


# --- giving up -----------------------------------------------------------------


def cancel_upload(upload: PendingUpload) -> None:
    """The producer gave up: remove whatever arrived, and the row."""
    with _storage_errors():
        _refuse(upload)


def _refuse(upload: PendingUpload) -> None:
    """Remove the upload's bytes and its row, so nothing of a refused file stays."""
    db.session.rollback()
    _discard(upload)
    row = db.session.get(PendingUpload, upload.id) if upload.id else None
    if row is not None:
        db.session.delete(row)
        db.session.commit()


def _discard(upload: PendingUpload) -> None:
    """Abort the multipart upload or drop the partial file, and any finished object."""
    storage = current_storage()
    if isinstance(storage, S3Storage):
        if upload.multipart_upload_id:
            storage.abort_multipart(upload.storage_key, upload.multipart_upload_id)
    else:
        _partials(storage).discard(upload.token)
    storage.delete(upload.storage_key)


def clean_abandoned(older_than: timedelta, now: datetime | None = None) -> int:
    """Remove uploads started before ``older_than`` ago and never made into episodes.

    Also aborts multipart uploads S3 holds with no row (a crash between
    starting one and recording it), so their parts stop costing storage.
    Returns how many uploads were removed.
    """
    cutoff = (now or utcnow()) - older_than
    old = list(db.session.scalars(select(PendingUpload).where(PendingUpload.created_at < cutoff)))
    removed = 0
    for upload in old:
        try:
            _discard(upload)
        except StorageError as exc:
            log.warning("could not clean up upload %s: %s", upload.token, exc)
            continue
        db.session.delete(upload)
        db.session.commit()
        removed += 1
    return removed + _abort_unrecorded(cutoff)


def _abort_unrecorded(cutoff: datetime) -> int:
    storage = current_storage()
    if not isinstance(storage, S3Storage):
        return 0
    known = set(db.session.scalars(select(PendingUpload.multipart_upload_id)))
    aborted = 0
    for unfinished in storage.unfinished_multipart():
        if unfinished.upload_id in known:
            continue
        if unfinished.initiated is not None and unfinished.initiated > cutoff:
            continue
        storage.abort_multipart(unfinished.key, unfinished.upload_id)
        aborted += 1
    return aborted


# --- helpers -------------------------------------------------------------------


def _parts(storage: S3Storage, upload: PendingUpload) -> list[UploadedPart]:
    try:
        return storage.list_parts(upload.storage_key, upload.multipart_upload_id or "")
    except ObjectNotFound:
        return []


def _partials(storage: Any):
    if not isinstance(storage, LocalStorage):
        raise InvalidInput(gettext("This upload takes no more parts."))
    return storage.partials


@contextmanager
def _storage_errors() -> Iterator[None]:
    """Turn a storage failure into the message the producer sees; the upload can resume."""
    try:
        yield
    except StorageError as exc:
        if isinstance(exc, ObjectNotFound):
            raise
        log.warning("storage failed during an upload: %s", exc)
        raise StorageUnavailable(
            gettext("Storage is not answering right now. Please try again in a moment.")
        ) from exc
