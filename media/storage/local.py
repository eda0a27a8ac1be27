"""Storage in a directory of the local file system, for single-server installs and tests."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from media.storage.base import (
    CHUNK_SIZE,
    ChunkIterator,
    ObjectNotFound,
    SavedObject,
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
        path = self.path(key)
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot stat {key!r}: {exc}") from exc
        if not path.is_file():
            raise ObjectNotFound(key)
        return stat.st_size

    def exists(self, key: str) -> bool:
        """Only regular files are objects; directories are an artefact of key paths."""
        return self.path(key).is_file()

    def url(self, key: str, expires_in: int = 3600) -> str | None:
        """Files have a URL only when a web server publishes the root directly."""
        validate_key(key)
        if self.public_base_url is None:
            return None
        return join_url(self.public_base_url, key)

    def list_keys(self, prefix: str = "") -> list[str]:
        """Walk only the directory the prefix points into, not the whole root."""
        directory = self.root / validate_prefix(prefix).rpartition("/")[0]
        keys = []
        for dirpath, _dirnames, filenames in os.walk(directory):
            for name in filenames:
                if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
                    continue
                key = Path(dirpath, name).relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

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


def _copy_hashing(stream: BinaryIO, out: BinaryIO) -> tuple[int, str]:
    """Copy in bounded chunks, measuring as we go so nothing is read twice."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK_SIZE):
        digest.update(chunk)
        out.write(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


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
