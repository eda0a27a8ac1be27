"""Ogg Opus and Ogg Vorbis, which share audio/ogg and differ by their first packet."""

from __future__ import annotations

from typing import Any, BinaryIO

from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from media.probe.common import _average_bitrate, _build, _load, _read_at
from media.probe.model import AudioInfo
from media.probe.refusals import _nothing_left, _require_duration
from media.probe.tags import _vorbis_cover, _vorbis_tags


def _ogg_duration(fileobj: BinaryIO, size: int, length: float) -> float:
    """Ogg duration, telling a cut-off file from a really empty one.

    An Ogg file states no total length; mutagen reads the last page's position.
    A file cut before its first audio page thus reads as 0 s, and only a
    missing end-of-stream flag on the last page says it was cut.
    """
    if length > 0:
        return length
    tail = _read_at(fileobj, max(0, size - 65536), 65536)
    last_page = tail.rfind(b"OggS")
    if last_page == -1 or len(tail) < last_page + 6 or not tail[last_page + 5] & 0x04:
        raise _nothing_left()
    return length


def _read_opus(fileobj: BinaryIO, size: int, tag_end: int) -> AudioInfo:
    """Opus in Ogg: always decoded at 48 kHz, whatever rate the source had."""
    opus = _load(OggOpus, fileobj, "Opus")
    duration = _ogg_duration(fileobj, size, float(opus.info.length))
    _require_duration(duration)
    comments = opus.tags or {}
    return _build(
        "opus",
        duration,
        bitrate=opus.info.bitrate or _average_bitrate(size, duration),
        sample_rate=48000,
        channels=opus.info.channels,
        tags=_vorbis_tags(comments),
        cover=_vorbis_cover(comments, ()),
        chapters=(),
    )


def _read_ogg(fileobj: BinaryIO, size: int, tag_end: int) -> AudioInfo:
    """Ogg Vorbis; the nominal bitrate may be absent, so fall back to the average."""
    ogg = _load(OggVorbis, fileobj, "Ogg Vorbis")
    info: Any = ogg.info
    duration = _ogg_duration(fileobj, size, float(info.length))
    _require_duration(duration)
    comments = ogg.tags or {}
    return _build(
        "ogg",
        duration,
        bitrate=info.bitrate or _average_bitrate(size, duration),
        sample_rate=info.sample_rate,
        channels=info.channels,
        tags=_vorbis_tags(comments),
        cover=_vorbis_cover(comments, ()),
        chapters=(),
    )
