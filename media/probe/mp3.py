"""MP3: real MPEG frames, the Xing/VBRI promise checked against the bytes, the ID3 tag."""

from __future__ import annotations

import struct
from typing import BinaryIO

from mutagen import MutagenError
from mutagen.id3 import ID3, ID3NoHeaderError
from mutagen.mp3 import MPEGInfo

from media.probe.common import _build, _read_at
from media.probe.model import AudioInfo
from media.probe.refusals import (
    _clearly_short,
    _cut_short,
    _not_audio,
    _nothing_left,
    _require_duration,
)
from media.probe.tags import _id3_chapters, _id3_cover, _id3_tags

# Below this many bytes after the tags, a file that starts like MP3 but holds
# no frame is a cut-off upload rather than some other kind of file.
_TINY_MP3_BYTES = 8192


def _read_mp3(fileobj: BinaryIO, size: int, tag_end: int) -> AudioInfo:
    """MP3: find real frames, check the header's promise, read the ID3 tag."""
    info = _mpeg_info(fileobj, size, tag_end)
    tags = _load_id3(fileobj)
    duration = float(info.length)
    _require_duration(duration)
    _check_mp3_complete(fileobj, size, info)
    return _build(
        "mp3",
        duration,
        bitrate=info.bitrate,
        sample_rate=info.sample_rate,
        channels=info.channels,
        tags=_id3_tags(tags),
        cover=_id3_cover(tags),
        chapters=_id3_chapters(tags),
    )


def _mpeg_info(fileobj: BinaryIO, size: int, tag_end: int) -> MPEGInfo:
    """Sync to MPEG frames, refusing the chance matches mutagen finds in noise.

    mutagen accepts two consecutive valid-looking headers and marks such a
    find ``sketchy``; real files give four in a row or a Xing/VBRI header.
    """
    try:
        info = MPEGInfo(fileobj)
    except (MutagenError, ValueError, struct.error):
        info = None
    if info is None or info.sketchy:
        starts_like_mp3 = tag_end > 0 or _is_mpeg_header(_read_at(fileobj, 0, 4))
        if starts_like_mp3 and size - tag_end < _TINY_MP3_BYTES:
            raise _nothing_left()
        raise _not_audio()
    return info


def _is_mpeg_header(header: bytes) -> bool:
    """Whether four bytes form a valid MPEG audio frame header (sync and fields)."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return False
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate, sample_rate = header[2] >> 4, (header[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and sample_rate != 3


def _load_id3(fileobj: BinaryIO) -> ID3 | None:
    """The leading ID3 tag; a damaged tag is ignored rather than failing the audio."""
    fileobj.seek(0)
    try:
        return ID3(fileobj)
    except ID3NoHeaderError:
        return None
    except (MutagenError, ValueError, struct.error):
        return None


def _check_mp3_complete(fileobj: BinaryIO, size: int, info: MPEGInfo) -> None:
    """Refuse an MP3 whose Xing/VBRI header promises much more than the file holds.

    Such a file is an interrupted upload or copy: players would stop early or
    show a wrong length, and the feed would announce a wrong duration.
    """
    first_frame = getattr(info, "frame_offset", None)
    if first_frame is None or info.layer != 3 or not info.length:
        return
    promised = _vbr_header_bytes(fileobj, first_frame, info)
    if not promised:
        return
    held = _mp3_audio_end(fileobj, size) - first_frame
    held_seconds = info.length * max(0, held) / promised
    if _clearly_short(info.length, held_seconds):
        raise _cut_short(info.length, held_seconds)


def _vbr_header_bytes(fileobj: BinaryIO, first_frame: int, info: MPEGInfo) -> int | None:
    """The stream length in bytes that a Xing/Info or VBRI header declares, if any."""
    if info.version == 1:
        xing_offset = 21 if info.mode == 3 else 36  # mode 3 is mono
    else:
        xing_offset = 13 if info.mode == 3 else 21
    xing = _read_at(fileobj, first_frame + xing_offset, 16)
    if xing[:4] in (b"Xing", b"Info") and len(xing) == 16:
        flags = int.from_bytes(xing[4:8], "big")
        if flags & 0x2:  # bytes field present, after the frames field if that is
            position = 12 if flags & 0x1 else 8
            return int.from_bytes(xing[position : position + 4], "big")
        return None
    vbri = _read_at(fileobj, first_frame + 36, 18)
    if vbri.startswith(b"VBRI") and len(vbri) == 18:
        return int.from_bytes(vbri[10:14], "big")
    return None


def _mp3_audio_end(fileobj: BinaryIO, size: int) -> int:
    """Where MPEG frames end: before a trailing 128-byte ID3v1 tag, if any."""
    if size >= 128 and _read_at(fileobj, size - 128, 3) == b"TAG":
        return size - 128
    return size
