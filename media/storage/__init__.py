"""Object storage for media files, chosen by one URL in the configuration.

``file:///srv/podhost/media`` keeps files on local disk;
``s3://bucket/prefix?endpoint_url=...`` keeps them in any S3-compatible store.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from media.storage.base import (
    CHUNK_SIZE,
    ObjectInfo,
    ObjectNotFound,
    SavedObject,
    ShortChunk,
    Storage,
    StorageError,
    validate_key,
)
from media.storage.local import LocalStorage, PartialFiles, partial_upload_id
from media.storage.s3 import RangeReader, S3Storage, UnfinishedUpload, UploadedPart

__all__ = [
    "CHUNK_SIZE",
    "LocalStorage",
    "ObjectInfo",
    "ObjectNotFound",
    "PartialFiles",
    "RangeReader",
    "S3Storage",
    "SavedObject",
    "ShortChunk",
    "Storage",
    "StorageError",
    "UnfinishedUpload",
    "UploadedPart",
    "partial_upload_id",
    "storage_from_url",
    "validate_key",
]

# Each option the URL's query or the keyword arguments may set, with the
# conversion a query string value needs.
S3_OPTIONS: dict[str, Callable[[str], Any]] = {
    "endpoint_url": str,
    "region": str,
    "addressing_style": str,
    "access_key_id": str,
    "secret_access_key": str,
    "public_base_url": str,
    "connect_timeout": float,
    "read_timeout": float,
    "max_attempts": int,
}
FILE_OPTIONS: dict[str, Callable[[str], Any]] = {"public_base_url": str}


def storage_from_url(url: str, **options: Any) -> Storage:
    """Build the backend a storage URL names.

    Options come from the URL's query and from keyword arguments; keyword
    arguments win, and a keyword argument of None counts as not given, so
    configuration code can pass every setting through unconditionally.
    Error messages never repeat the URL, which may carry a secret key.

    :raise StorageError: for an unknown scheme, a malformed URL or an unknown option.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        file_options = _options(parts.query, options, FILE_OPTIONS)
        return _local_from_url(parts.netloc, parts.path, file_options)
    if scheme == "s3":
        s3_options = _options(parts.query, options, S3_OPTIONS)
        return _s3_from_url(parts.netloc, parts.path, s3_options)
    raise StorageError(
        f"unsupported storage URL scheme {scheme!r}:"
        " use file:///absolute/path or s3://bucket/optional/prefix"
    )


def _local_from_url(netloc: str, path: str, options: dict[str, Any]) -> LocalStorage:
    """``file:///abs/path``: an absolute path on this machine, nothing else."""
    if netloc not in ("", "localhost"):
        raise StorageError(f"a file: storage URL cannot name a host ({netloc!r})")
    if not path.startswith("/"):
        raise StorageError("a file: storage URL needs an absolute path: file:///srv/media")
    return LocalStorage(Path(unquote(path)), **options)


def _s3_from_url(netloc: str, path: str, options: dict[str, Any]) -> S3Storage:
    """``s3://bucket/prefix``: credentials go in options, never in the URL's authority."""
    if "@" in netloc:
        raise StorageError("put S3 credentials in access_key_id/secret_access_key, not the URL")
    if not netloc:
        raise StorageError("an s3: storage URL needs a bucket: s3://bucket/optional/prefix")
    return S3Storage(unquote(netloc), unquote(path).strip("/"), **options)


def _options(
    query: str, given: dict[str, Any], allowed: dict[str, Callable[[str], Any]]
) -> dict[str, Any]:
    """Merge query parameters and keyword arguments, refusing names nobody reads.

    A typo such as ``endpoint=`` would otherwise be silently ignored and the
    app would talk to AWS instead of the intended server. String values are
    converted whichever way they came, since keyword arguments are often
    read from environment variables too.
    """
    merged: dict[str, Any] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in merged:
            raise StorageError(f"storage URL option {name!r} is given twice")
        merged[name] = _convert(name, value, allowed)
    for name, value in given.items():
        if value is not None:
            merged[name] = _convert(name, value, allowed) if isinstance(value, str) else value
            _check_known(name, allowed)
    return merged


def _convert(name: str, value: str, allowed: dict[str, Callable[[str], Any]]) -> Any:
    """Turn a string value into the type the backend takes."""
    _check_known(name, allowed)
    try:
        return allowed[name](value)
    except ValueError:
        raise StorageError(f"storage option {name!r} has an invalid value") from None


def _check_known(name: str, allowed: dict[str, Callable[[str], Any]]) -> None:
    """Name the accepted options in the error, so the fix is obvious."""
    if name in allowed:
        return
    if name in S3_OPTIONS:
        raise StorageError(f"storage option {name!r} applies to s3: URLs only")
    raise StorageError(f"unknown storage option {name!r}; accepted: {', '.join(sorted(allowed))}")
