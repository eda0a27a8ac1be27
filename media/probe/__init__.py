"""probe_audio: read format, duration, tags, cover art and chapters with mutagen.

Uploads are judged by their bytes only. A file's name and the browser's
declared type are whatever the uploader's computer made up, so neither is
ever consulted: mutagen's own guesser (``mutagen.File``) scores file names,
so it is not used; we sniff the leading bytes ourselves and then hand the
file to the one mutagen class for that format.

Files may be a gigabyte, so nothing here reads a whole file: mutagen seeks to
the parts it needs, and our own checks read a few dozen bytes at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from media.probe.common import _size
from media.probe.flac import _read_flac
from media.probe.m4a import _read_m4a
from media.probe.model import (
    CODECS,
    MIME_TYPES,
    SUPPORTED_FORMATS,
    AudioInfo,
    AudioTags,
    Chapter,
    CoverArt,
    RefusalCode,
    UnsupportedAudio,
    codec_name,
)
from media.probe.mp3 import _read_mp3
from media.probe.ogg import _read_ogg, _read_opus
from media.probe.sniff import _sniff
from media.probe.wav import _read_wav

__all__ = [
    "CODECS",
    "MIME_TYPES",
    "SUPPORTED_FORMATS",
    "AudioInfo",
    "AudioTags",
    "Chapter",
    "CoverArt",
    "RefusalCode",
    "UnsupportedAudio",
    "codec_name",
    "probe_audio",
]


def probe_audio(fileobj: BinaryIO) -> AudioInfo:
    """Describe the audio in a seekable binary file object, or refuse it.

    The position is left at 0 whatever happens, because callers store the
    same file object right after probing it.

    :raise UnsupportedAudio: when the file is not publishable audio.
    """
    try:
        size = _size(fileobj)
        if size == 0:
            raise UnsupportedAudio("empty", "The file is empty (0 bytes). Please upload it again.")
        fmt, tag_end = _sniff(fileobj, size)
        return _READERS[fmt](fileobj, size, tag_end)
    finally:
        fileobj.seek(0)


_READERS: dict[str, Callable[[BinaryIO, int, int], AudioInfo]] = {
    "mp3": _read_mp3,
    "m4a": _read_m4a,
    "opus": _read_opus,
    "ogg": _read_ogg,
    "flac": _read_flac,
    "wav": _read_wav,
}
