"""The storage interface every backend implements, and its one error type."""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol
from urllib.parse import quote

CHUNK_SIZE = 1024 * 1024


class StorageError(Exception):
    """Any failure of the storage backend: unreachable, refused, missing object.

    Callers catch only this, so backends translate their own exceptions
    (OSError, botocore errors) into it.
    """


class ObjectNotFound(StorageError):
    """The key names no object."""


class ShortChunk(StorageError):
    """A chunk's body ended before the length its sender stated: the client's mistake.

    Storage itself is fine, so callers answer with a 4xx, not "try again later".
    Nothing of the chunk is kept.
    """


@dataclass(frozen=True)
class SavedObject:
    """What a save wrote, measured while streaming so no second read is needed."""

    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ObjectInfo:
    """An object as a listing sees it: what a sweep needs to judge and report it."""

    key: str
    size: int
    last_modified: datetime  # aware, UTC


class Storage(abc.ABC):
    """Object storage addressed by string keys such as ``show/abc123.mp3``.

    Keys are relative, use ``/`` as separator and never contain ``..``.
    """

    @abc.abstractmethod
    def save(self, key: str, stream: BinaryIO, content_type: str) -> SavedObject:
        """Write ``stream`` to ``key`` in chunks, never holding it whole in memory.

        :raise StorageError: when the write fails; nothing is left at ``key``.
        """

    @abc.abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Open the object for reading (seekable where the backend allows).

        :raise ObjectNotFound: when there is no such object.
        """

    @abc.abstractmethod
    def iter_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """Yield bytes ``start`` to ``end`` inclusive, in chunks, without reading the rest.

        :raise ObjectNotFound: when there is no such object.
        """

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing object is not an error."""

    @abc.abstractmethod
    def size(self, key: str) -> int:
        """Size in bytes.

        :raise ObjectNotFound: when there is no such object.
        """

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Whether an object is stored at ``key``."""

    @abc.abstractmethod
    def url(self, key: str, expires_in: int = 3600) -> str | None:
        """A URL a client can fetch the object from directly, or None if there is none.

        From a configured public base URL when there is one, else presigned
        where the backend supports it.
        """

    @abc.abstractmethod
    def stat(self, key: str) -> ObjectInfo:
        """Size and last modification of one object, without reading it.

        :raise ObjectNotFound: when there is no such object.
        """

    @abc.abstractmethod
    def list_objects(self, prefix: str = "") -> list[ObjectInfo]:
        """Every object under ``prefix``, sorted by key, with its size and age.

        Complete or an error: a sweep deletes what a listing shows and no row
        names, so a listing that silently left out part of the store would
        only make it remove less, but one that fails half-way must say so.

        :raise StorageError: when the store cannot be listed completely.
        """

    def list_keys(self, prefix: str = "") -> list[str]:
        """Every key under ``prefix``; used by health checks and tests for orphans."""
        return [info.key for info in self.list_objects(prefix)]

    def sha256(self, key: str) -> str:
        """Hash an object already stored, reading it in chunks (for uploads made elsewhere).

        A browser's multipart upload hands its bytes to the store directly, so
        the only way to learn their hash is to read them back once.

        :raise ObjectNotFound: when there is no such object.
        """
        digest = hashlib.sha256()
        size = self.size(key)
        if size:
            chunks = self.iter_range(key, 0, size - 1)
            try:
                for chunk in chunks:
                    digest.update(chunk)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        return digest.hexdigest()

    @abc.abstractmethod
    def check(self) -> None:
        """Prove the backend is reachable.

        :raise StorageError: when it is not.
        """


def validate_key(key: str) -> str:
    """Refuse keys that could escape the storage root or be ambiguous."""
    if not key or key.startswith("/") or "\\" in key:
        raise StorageError(f"invalid storage key: {key!r}")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise StorageError(f"invalid storage key: {key!r}")
    return key


class _Closable(Protocol):
    """Anything with ``read(n)`` and ``close()``: a file, or a streaming HTTP body."""

    def read(self, size: int, /) -> bytes: ...

    def close(self) -> None: ...


class ChunkIterator(Iterator[bytes]):
    """Yield ``length`` bytes of a stream in chunks, closing the stream when done.

    A class rather than a generator because an unstarted generator cannot
    release what it holds: a web server calls ``close()`` on the response
    iterable even when the client left before the first chunk, and that must
    close the file or hand the HTTP connection back to its pool.
    """

    def __init__(self, stream: _Closable, length: int, chunk_size: int = CHUNK_SIZE) -> None:
        self._stream = stream
        self._remaining = length
        self._chunk_size = chunk_size
        self._closed = False

    def __iter__(self) -> ChunkIterator:
        return self

    def __next__(self) -> bytes:
        if self._closed or self._remaining <= 0:
            self.close()
            raise StopIteration
        try:
            chunk = self._stream.read(min(self._chunk_size, self._remaining))
        except Exception as exc:
            # Mid-stream failures (reset connection, disk error) must reach
            # callers as the one error type they catch.
            self.close()
            if isinstance(exc, StorageError):
                raise
            raise StorageError(f"reading the object failed: {exc}") from exc
        if not chunk:
            self.close()
            raise StorageError("the object ended before the requested range did")
        self._remaining -= len(chunk)
        return chunk

    def close(self) -> None:
        """Release the underlying stream; safe to call more than once."""
        if not self._closed:
            self._closed = True
            self._stream.close()


def validate_range(start: int, end: int) -> None:
    """Refuse a range no HTTP Range header could produce: a caller bug, not a storage fault."""
    if start < 0 or end < start:
        raise ValueError(f"invalid byte range {start}-{end}")


def validate_prefix(prefix: str) -> str:
    """Refuse listing prefixes that could escape the root, with the same rules as keys.

    A prefix is the start of a key, so it is valid exactly when some key
    beginning with it is; appending one character makes it such a key.
    """
    if prefix:
        try:
            validate_key(prefix + "_")
        except StorageError:
            raise StorageError(f"invalid storage prefix: {prefix!r}") from None
    return prefix


def join_url(base: str, key: str) -> str:
    """Append a key, quoted, to a public base URL given with or without a trailing slash.

    The base URL points at where keys start, so the key is appended as is.
    """
    return base.rstrip("/") + "/" + quote(key, safe="/")
