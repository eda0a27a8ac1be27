"""HTTP range and conditional logic for stored files (RFC 9110, sections 13 and 14).

Written out rather than left to ``send_file`` so that local disk and S3 behave
the same: the S3 backend fetches only the requested range instead of
streaming and discarding the bytes before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask import Request, Response

from app.services.files import MediaFile
from media.storage import Storage

CACHE_FOREVER = "public, max-age=31536000, immutable"  # a key never serves two files


@dataclass(frozen=True)
class Answer:
    """What a request gets: the status, and the bytes sent (None when no body is sent).

    Worked out before any response exists so that download counting judges
    exactly what the client receives, in proxy and redirect mode alike.
    """

    status: int
    served: tuple[int, int] | None


def plan_answer(stored: MediaFile, request: Request) -> Answer:
    """304, 416, 206 with the one range, or 200 with the whole file."""
    if _not_modified(stored, request):
        return Answer(304, None)
    byte_range = _requested_range(stored, request)
    if byte_range == "unsatisfiable":
        return Answer(416, None)
    if byte_range:
        return Answer(206, byte_range)
    return Answer(200, (0, stored.size - 1) if stored.size else None)


def ranged_response(
    stored: MediaFile, storage: Storage, request: Request, answer: Answer
) -> Response:
    """The response ``answer`` describes, with the body streamed from storage."""
    response = Response(mimetype=stored.mime_type, status=answer.status)
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["Cache-Control"] = CACHE_FOREVER
    response.set_etag(stored.etag)
    response.last_modified = stored.created_at
    size = stored.size
    if answer.status == 304:
        return response
    if answer.status == 416:
        response.headers["Content-Range"] = f"bytes */{size}"
        return response
    if answer.served is None:
        response.content_length = 0
        return response
    start, end = answer.served
    if answer.status == 206:
        response.headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    response.content_length = end - start + 1
    response.response = _body(storage, stored.storage_key, start, end)
    response.direct_passthrough = True
    return response


def _not_modified(stored: MediaFile, request: Request) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains(stored.etag)
    since = request.if_modified_since
    return since is not None and stored.created_at.replace(microsecond=0) <= since


def _requested_range(stored: MediaFile, request: Request) -> tuple[int, int] | str | None:
    """The one range to serve, ``"unsatisfiable"``, or None for the whole file.

    Several ranges at once are answered with the whole file, which RFC 9110
    allows and every podcast client accepts; an If-Range that no longer
    matches also gets the whole file, so a resumed download never mixes versions.
    """
    header = request.range
    if header is None or header.units != "bytes" or len(header.ranges) != 1:
        return None
    if not _if_range_matches(stored, request):
        return None
    bounds = header.range_for_length(stored.size)
    if bounds is None:
        return "unsatisfiable"
    start, stop = bounds
    return start, stop - 1


def _if_range_matches(stored: MediaFile, request: Request) -> bool:
    if_range = request.if_range
    if if_range.etag:
        return if_range.etag == stored.etag
    if if_range.date:
        return if_range.date == stored.created_at.replace(microsecond=0)
    return True


def _body(storage: Storage, key: str, start: int, end: int) -> Iterator[bytes]:
    """The storage's chunks, fetched only when sent, so a HEAD never touches storage."""
    yield from storage.iter_range(key, start, end)
