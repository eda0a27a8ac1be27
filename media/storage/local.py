"""Storage in a directory of the local file system, for single-server installs and tests."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from stat import S_ISREG
from typing import BinaryIO

from media.storage.base import (
    CHUNK_SIZE,
    ChunkIterator,
    ObjectInfo,
    ObjectNotFound,
    SavedObject,
    ShortChunk,
    Storage,
    StorageError,
    join_url,
    validate_key,
    validate_prefix,
    validate_range,
)

# Temp files live next to their target so os.replace() stays one atomic rename
# on one file system; this marks them so listings can skip a save in progress.
TEMP_PREFIX = "."
TEMP_SUFFIX = ".part"

# Files are served by the web layer or a front web server running as another
# user, so they get the mode a plain open() would typically give, not mkstemp's 0600.
FILE_MODE = 0o644

# Resumable uploads received in chunks (PUT with Content-Range) grow here until
# they are complete; the leading dot keeps them out of listings of objects.
PARTIAL_DIRECTORY = ".uploads"
PARTIAL_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class LocalStorage(Storage):
    """Objects are files under ``root``; a key is a relative path below it."""

    def __init__(self, root: Path, public_base_url: str | None = None) -> None:
        self.root = Path(root).absolute()
        self.public_base_url = public_base_url

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        """The file for ``key``, so the web layer can hand it to sendfile.

        Validation happens here so no caller can build a path outside root.
        """
        return self.root / validate_key(key)

    def save(self, key: str, stream: BinaryIO, content_type: str) -> SavedObject:
        """Copy to a temp file, fsync, then rename: readers see all of it or nothing."""
        target = self.path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(
                dir=target.parent, prefix=TEMP_PREFIX + target.name + ".", suffix=TEMP_SUFFIX
            )
        except OSError as exc:
            raise StorageError(f"cannot write {key!r}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as out:
                size, digest = _copy_hashing(stream, out)
                os.fchmod(out.fileno(), FILE_MODE)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp_name, target)
        except BaseException as exc:
            _remove_quietly(temp_name)
            if isinstance(exc, Exception):
                raise StorageError(f"saving {key!r} failed: {exc}") from exc
            raise
        _fsync_directory(target.parent)
        return SavedObject(key=key, size=size, sha256=digest)

    def open(self, key: str) -> BinaryIO:
        """A plain file object: seekable, and as fast as reading gets."""
        path = self.path(key)
        try:
            return path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot open {key!r}: {exc}") from exc

    def iter_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """Open and check eagerly so a missing object fails before a response starts."""
        validate_range(start, end)
        stream = self.open(key)
        try:
            size = os.fstat(stream.fileno()).st_size
            if start >= size:
                raise StorageError(f"range starts at {start}, beyond the {size} bytes of {key!r}")
            stream.seek(start)
        except BaseException as exc:
            stream.close()
            if isinstance(exc, OSError):
                raise StorageError(f"cannot read {key!r}: {exc}") from exc
            raise
        return ChunkIterator(stream, min(end, size - 1) - start + 1)

    def delete(self, key: str) -> None:
        """Unlink; a missing file is already the wanted outcome."""
        try:
            self.path(key).unlink(missing_ok=True)
        except IsADirectoryError:
            return
        except OSError as exc:
            raise StorageError(f"cannot delete {key!r}: {exc}") from exc

    def size(self, key: str) -> int:
        """From stat: no need to open the file."""
        return self.stat(key).size

    def exists(self, key: str) -> bool:
        """Only regular files are objects; directories are an artefact of key paths."""
        return self.path(key).is_file()

    def url(self, key: str, expires_in: int = 3600) -> str | None:
        """Files have a URL only when a web server publishes the root directly."""
        validate_key(key)
        if self.public_base_url is None:
            return None
        return join_url(self.public_base_url, key)

    @property
    def partials(self) -> PartialFiles:
        """Uploads arriving in chunks (the fallback when there is no S3 to upload to)."""
        return PartialFiles(self)

    def stat(self, key: str) -> ObjectInfo:
        """From one stat call: the size and the time the file got its bytes."""
        path = self.path(key)
        try:
            status = path.stat()
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot stat {key!r}: {exc}") from exc
        if not S_ISREG(status.st_mode):
            raise ObjectNotFound(key)
        return _info(key, status)

    def list_objects(self, prefix: str = "") -> list[ObjectInfo]:
        """Walk only the directory the prefix points into, not the whole root.

        Saves in progress (temp files) and uploads arriving in chunks are not
        objects yet, so they are left out (see :meth:`list_unfinished`).
        """
        return self._walk(prefix, unfinished=False)

    def list_unfinished(self) -> list[ObjectInfo]:
        """Temp files of saves and chunked uploads, keyed by their path under the root.

        A process killed during a save leaves its temp file behind, and no
        later save has the same random name, so only a sweep removes it.
        Partial uploads are here too; :func:`partial_upload_id` tells which
        upload each belongs to, so its caller can keep those still recorded.
        """
        return self._walk("", unfinished=True)

    def _walk(self, prefix: str, *, unfinished: bool) -> list[ObjectInfo]:
        """Files under the prefix's directory: the objects, or else the temp files.

        A file removed during the walk is simply not listed; any other failure
        to read a directory is an error, since os.walk would otherwise skip
        that directory without a word, and a listing must be complete.
        """
        directory = self.root / validate_prefix(prefix).rpartition("/")[0]
        found = []
        for dirpath, _dirnames, filenames in os.walk(directory, onerror=_walk_error):
            for name in filenames:
                if _is_temporary(name) != unfinished:
                    continue
                key = Path(dirpath, name).relative_to(self.root).as_posix()
                if not key.startswith(prefix):
                    continue
                with contextlib.suppress(ObjectNotFound):
                    found.append(self.stat(key))
        return sorted(found, key=lambda info: info.key)

    def check(self) -> None:
        """Create the root if needed and prove it takes a file.

        A fresh install has no data directory yet; creating it is what the
        first save would do anyway, and a write probe catches read-only
        mounts and wrong owners that an existence check would miss.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX):
                pass
        except OSError as exc:
            raise StorageError(f"storage directory {self.root} is not writable: {exc}") from exc


class PartialFiles:
    """Uploads that arrive in chunks over several requests, resumable after a drop.

    Each lives in one file written at the offsets the client states; its size
    is how far the upload got. :meth:`finish` moves it into place under a key.
    """

    def __init__(self, storage: LocalStorage) -> None:
        self._storage = storage
        self.directory = storage.root / PARTIAL_DIRECTORY

    def path(self, upload_id: str) -> Path:
        """The file of one upload; ids are checked so none can leave the directory."""
        if not PARTIAL_ID.match(upload_id):
            raise StorageError(f"invalid upload id {upload_id!r}")
        return self.directory / f"{TEMP_PREFIX}{upload_id}{TEMP_SUFFIX}"

    def size(self, upload_id: str) -> int:
        """Bytes received so far; 0 for an upload that has not started."""
        try:
            return self.path(upload_id).stat().st_size
        except FileNotFoundError:
            return 0
        except OSError as exc:
            raise StorageError(f"cannot stat upload {upload_id!r}: {exc}") from exc

    def write(self, upload_id: str, offset: int, stream: BinaryIO, length: int) -> int:
        """Write ``length`` bytes of ``stream`` at ``offset``; return the new size.

        The offset may not lie beyond what was received (no holes); writing
        from an earlier offset drops what followed it, which is how a client
        resends a chunk whose answer it never saw.

        :raise ShortChunk: when the stream ends before ``length`` bytes; the
            upload is left as it was before this chunk (removed if that was empty).
        :raise StorageError: when the offset leaves a hole or the disk refuses the write.
        """
        received = self.size(upload_id)
        if offset > received:
            raise StorageError(f"upload {upload_id!r} has {received} bytes, not {offset}")
        path = self.path(upload_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("r+b" if path.exists() else "wb") as out:
                out.truncate(offset)
                out.seek(offset)
                written = _copy_exactly(stream, out, length)
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise StorageError(f"writing upload {upload_id!r} failed: {exc}") from exc
        if written != length:
            self._truncate(path, offset)
            raise ShortChunk(
                f"upload {upload_id!r}: the chunk ended after {written} bytes, not {length}"
            )
        return offset + written

    def _truncate(self, path: Path, size: int) -> None:
        """Drop a short chunk, so the next try starts from a known offset; an empty file goes."""
        with contextlib.suppress(OSError):
            if size == 0:
                path.unlink()
                return
            with path.open("r+b") as out:
                out.truncate(size)

    def open(self, upload_id: str) -> BinaryIO:
        """Read the upload as received, for probing before it becomes an object."""
        try:
            return self.path(upload_id).open("rb")
        except FileNotFoundError as exc:
            raise ObjectNotFound(upload_id) from exc
        except OSError as exc:
            raise StorageError(f"cannot open upload {upload_id!r}: {exc}") from exc

    def finish(self, upload_id: str, key: str) -> SavedObject:
        """Hash the received file and rename it to ``key``: one atomic step on one disk."""
        source = self.path(upload_id)
        target = self._storage.path(key)
        try:
            with source.open("rb") as stream:
                size, digest = _copy_hashing(stream, _Discard())
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(source, FILE_MODE)
            os.replace(source, target)
        except FileNotFoundError as exc:
            raise ObjectNotFound(upload_id) from exc
        except OSError as exc:
            raise StorageError(f"finishing upload {upload_id!r} failed: {exc}") from exc
        _fsync_directory(target.parent)
        return SavedObject(key=key, size=size, sha256=digest)

    def discard(self, upload_id: str) -> None:
        """Remove what was received; a missing file is already the wanted outcome."""
        try:
            self.path(upload_id).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot remove upload {upload_id!r}: {exc}") from exc

    def list_ids(self) -> list[str]:
        """Every upload in progress, so tests and cleanup can see what is left."""
        if not self.directory.is_dir():
            return []
        return sorted(
            path.name.removeprefix(TEMP_PREFIX).removesuffix(TEMP_SUFFIX)
            for path in self.directory.iterdir()
            if _is_temporary(path.name)
        )


class _Discard:
    """A sink for :func:`_copy_hashing` when only the hash is wanted."""

    def write(self, data: bytes) -> int:
        """Accept and forget."""
        return len(data)


def _copy_exactly(stream: BinaryIO, out: BinaryIO, length: int) -> int:
    """Copy at most ``length`` bytes in bounded chunks; return how many came."""
    copied = 0
    while copied < length:
        chunk = stream.read(min(CHUNK_SIZE, length - copied))
        if not chunk:
            break
        out.write(chunk)
        copied += len(chunk)
    return copied


def _copy_hashing(stream: BinaryIO, out: BinaryIO) -> tuple[int, str]:
    """Copy in bounded chunks, measuring as we go so nothing is read twice."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK_SIZE):
        digest.update(chunk)
        out.write(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def partial_upload_id(path: str) -> str | None:
    """The upload a path from :meth:`LocalStorage.list_unfinished` belongs to, if any."""
    folder, _, name = path.rpartition("/")
    upload_id = name.removeprefix(TEMP_PREFIX).removesuffix(TEMP_SUFFIX)
    if folder != PARTIAL_DIRECTORY or not _is_temporary(name) or not PARTIAL_ID.match(upload_id):
        return None
    return upload_id


def _is_temporary(name: str) -> bool:
    """A save's temp file or a partial upload: named to stay out of listings of objects."""
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def _info(key: str, status: os.stat_result) -> ObjectInfo:
    return ObjectInfo(
        key=key,
        size=status.st_size,
        last_modified=datetime.fromtimestamp(status.st_mtime, UTC),
    )


def _walk_error(exc: OSError) -> None:
    """A directory that is not there holds no objects; one that cannot be read is a failure."""
    if isinstance(exc, FileNotFoundError):
        return
    raise StorageError(f"cannot list {exc.filename}: {exc.strerror or exc}") from exc


def _remove_quietly(name: str) -> None:
    """Clean up after a failed save without hiding the error that caused it."""
    with contextlib.suppress(OSError):
        os.unlink(name)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; best effort where directories can't be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
