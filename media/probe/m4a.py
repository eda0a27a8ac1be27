"""M4A: an MP4 container whose first sound track is AAC or Apple Lossless."""

from __future__ import annotations

from typing import Any, BinaryIO

from mutagen.mp4 import MP4

from media.probe.common import _average_bitrate, _build, _load, _read_at
from media.probe.model import AudioInfo, UnsupportedAudio
from media.probe.refusals import (
    _SUPPORTED_LIST,
    _clearly_short,
    _cut_short,
    _require_duration,
    _unsupported,
)
from media.probe.tags import _mp4_chapters, _mp4_cover, _mp4_tags


def _read_m4a(fileobj: BinaryIO, size: int, tag_end: int) -> AudioInfo:
    """M4A: an MP4 container whose first sound track is AAC or Apple Lossless."""
    mp4 = _load(MP4, fileobj, "M4A")
    info: Any = mp4.info
    codec = str(info.codec or "")
    if not codec:
        raise UnsupportedAudio(
            "unsupported_format",
            "This MP4 file has no sound track (it may be a video without audio). "
            f"Please upload an audio file: {_SUPPORTED_LIST}.",
        )
    if not (codec.startswith("mp4a.40") or codec in ("mp4a", "alac")):
        raise _unsupported(f"MP4 with {info.codec_description or codec} audio")
    duration = float(info.length)
    _require_duration(duration)
    _check_m4a_complete(fileobj, size, duration)
    tags = mp4.tags or {}
    return _build(
        "m4a",
        duration,
        bitrate=info.bitrate or _average_bitrate(size, duration),
        sample_rate=info.sample_rate,
        channels=info.channels,
        tags=_mp4_tags(tags),
        cover=_mp4_cover(tags),
        chapters=_mp4_chapters(mp4.chapters, duration),
        codecs=codec,
    )


def _check_m4a_complete(fileobj: BinaryIO, size: int, duration: float) -> None:
    """Refuse an M4A whose media box (mdat) runs past the end of the file.

    With the index (moov) first, as podcast tools write it, a cut-off file
    still parses and states the full duration; only the box sizes tell.
    """
    offset = 0
    while offset + 8 <= size:
        header = _read_at(fileobj, offset, 16)
        box_size, name, header_size = int.from_bytes(header[:4], "big"), header[4:8], 8
        if box_size == 1 and len(header) == 16:  # 64-bit "largesize"
            box_size, header_size = int.from_bytes(header[8:16], "big"), 16
        elif box_size == 0:  # "extends to the end of the file"
            return
        if box_size < header_size:
            return  # malformed, yet mutagen read it: do not second-guess
        if offset + box_size > size:
            if name == b"mdat":
                payload = box_size - header_size
                held = duration * max(0, size - offset - header_size) / payload
                if _clearly_short(duration, held):
                    raise _cut_short(duration, held)
            return
        offset += box_size
