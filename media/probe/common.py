"""What every format reader shares: reading a few bytes, opening with mutagen, the result."""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

from mutagen import MutagenError

from media.probe.model import (
    CODECS,
    MIME_TYPES,
    AudioInfo,
    AudioTags,
    Chapter,
    CoverArt,
    UnsupportedAudio,
)
from media.probe.refusals import _cannot_read


def _size(fileobj: BinaryIO) -> int:
    """The file's length, found by seeking so that nothing is read."""
    fileobj.seek(0, 2)
    return fileobj.tell()


def _read_at(fileobj: BinaryIO, offset: int, length: int) -> bytes:
    """A few bytes from ``offset`` (fewer at the end of the file)."""
    fileobj.seek(offset)
    return fileobj.read(length)


def _load(kind: Callable[[BinaryIO], Any], fileobj: BinaryIO, name: str) -> Any:
    """Open with one mutagen class; a file that starts right but will not parse is
    almost always an upload or export that stopped part-way."""
    fileobj.seek(0)
    try:
        return kind(fileobj)
    except (MutagenError, ValueError, struct.error, IndexError, KeyError, EOFError) as error:
        if isinstance(error, UnsupportedAudio):
            raise
        raise _cannot_read(name) from error


def _build(
    fmt: str,
    duration: float,
    *,
    bitrate: int | None,
    sample_rate: int | None,
    channels: int | None,
    tags: AudioTags,
    cover: CoverArt | None,
    chapters: Sequence[Chapter],
    codecs: str | None = None,
) -> AudioInfo:
    """Assemble the result, turning mutagen's 0-for-unknown into None."""
    return AudioInfo(
        format=fmt,
        mime_type=MIME_TYPES[fmt],
        extension=f".{fmt}",
        duration=duration,
        bitrate=int(bitrate) if bitrate else None,
        sample_rate=int(sample_rate) if sample_rate else None,
        channels=int(channels) if channels else None,
        tags=tags,
        cover=cover,
        chapters=tuple(chapters),
        codecs=codecs or CODECS.get(fmt, ""),
    )


def _average_bitrate(size: int, duration: float) -> int | None:
    """Bits per second over the whole file, when the format states none."""
    return round(size * 8 / duration) if duration > 0 else None
