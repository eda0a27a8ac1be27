"""WAV: the duration from the RIFF data chunk, checked against the bytes present."""

from __future__ import annotations

from typing import Any, BinaryIO

from mutagen.wave import WAVE

from media.probe.common import _build, _load, _read_at
from media.probe.model import AudioInfo
from media.probe.refusals import _clearly_short, _cut_short, _require_duration
from media.probe.tags import _id3_chapters, _id3_cover, _id3_tags


def _read_wav(fileobj: BinaryIO, size: int, tag_end: int) -> AudioInfo:
    """WAV: duration from the data chunk, checked against the bytes really present."""
    wave = _load(WAVE, fileobj, "WAV")
    info: Any = wave.info
    duration = float(info.length)
    data_chunk = _riff_chunk(fileobj, size, b"data")
    if data_chunk is not None and info.bitrate:
        duration = _check_wav_complete(data_chunk, size, duration, info.bitrate)
    _require_duration(duration)
    tags = wave.tags
    return _build(
        "wav",
        duration,
        bitrate=info.bitrate,
        sample_rate=info.sample_rate,
        channels=info.channels,
        tags=_id3_tags(tags),
        cover=_id3_cover(tags),
        chapters=_id3_chapters(tags),
    )


def _riff_chunk(fileobj: BinaryIO, size: int, wanted: bytes) -> tuple[int, int] | None:
    """(offset of data, declared size) of the first RIFF chunk named ``wanted``."""
    offset = 12  # after "RIFF", the size and "WAVE"
    while offset + 8 <= size:
        header = _read_at(fileobj, offset, 8)
        if len(header) < 8:
            return None
        length = int.from_bytes(header[4:8], "little")
        if header[:4] == wanted:
            return offset + 8, length
        offset += 8 + length + (length & 1)  # chunks are padded to even sizes
    return None


def _check_wav_complete(chunk: tuple[int, int], size: int, duration: float, bitrate: int) -> float:
    """Refuse a WAV cut short; return the duration the bytes present really hold.

    Recorders that write while recording leave a placeholder size (0 or
    0xFFFFFFFF); for those the bytes present are the truth, not the header.
    """
    offset, declared = chunk
    held = max(0, size - offset)
    held_seconds = held * 8 / bitrate
    if declared in (0, 0xFFFFFFFF):
        return held_seconds
    if _clearly_short(duration, held_seconds):
        raise _cut_short(duration, held_seconds)
    return min(duration, held_seconds)
