"""FLAC, and the frame-header arithmetic that tells a cut-off file from a whole one.

FLAC compresses unevenly, so sizes prove nothing; the last CRC-valid frame
header says how far the audio really got.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from mutagen.flac import FLAC

from media.probe.common import _average_bitrate, _build, _load, _read_at
from media.probe.model import AudioInfo
from media.probe.refusals import _clearly_short, _cut_short, _require_duration
from media.probe.tags import _vorbis_cover, _vorbis_tags


def _read_flac(fileobj: BinaryIO, size: int, tag_end: int) -> AudioInfo:
    """FLAC: Vorbis comments for tags, picture blocks (or comment-embedded) for art."""
    flac = _load(FLAC, fileobj, "FLAC")
    info: Any = flac.info
    duration = float(info.length)
    _require_duration(duration)
    _check_flac_complete(fileobj, size, info)
    comments = flac.tags or {}
    return _build(
        "flac",
        duration,
        bitrate=info.bitrate or _average_bitrate(size, duration),
        sample_rate=info.sample_rate,
        channels=info.channels,
        tags=_vorbis_tags(comments),
        cover=_vorbis_cover(comments, flac.pictures),
        chapters=(),
    )


def _check_flac_complete(fileobj: BinaryIO, size: int, info: Any) -> None:
    """Refuse a FLAC file whose last frame stops well before STREAMINFO's total.

    FLAC compresses unevenly (silence to almost nothing), so sizes prove
    nothing; instead the last frame header near the end says how far it got.
    """
    if not info.total_samples or not info.sample_rate:
        return
    window = min(size, max(65536, 2 * info.max_framesize))
    tail = _read_at(fileobj, size - window, window)
    reached = _flac_last_sample(tail, info)
    if reached is None:
        return  # no frame header found: nothing to judge by
    promised = info.total_samples / info.sample_rate
    held = min(reached, info.total_samples) / info.sample_rate
    if _clearly_short(promised, held):
        raise _cut_short(promised, held)


def _flac_last_sample(data: bytes, info: Any) -> int | None:
    """The furthest sample any CRC-valid frame header in ``data`` reaches.

    Audio bytes can imitate the sync code, so only headers that pass their
    CRC-8 and agree with STREAMINFO count, and the furthest one wins.
    """
    furthest = None
    for sync in (b"\xff\xf8", b"\xff\xf9"):
        index = data.find(sync)
        while index != -1:
            end = _flac_frame_end(data[index : index + 16], info)
            if end is not None and (furthest is None or end > furthest):
                furthest = end
            index = data.find(sync, index + 1)
    return furthest


def _flac_frame_end(header: bytes, info: Any) -> int | None:
    """Sample number just after the frame whose header starts ``header``, if valid."""
    if len(header) < 6:
        return None
    size_code, rate_code = header[2] >> 4, header[2] & 0x0F
    channel_code, depth_code = header[3] >> 4, (header[3] >> 1) & 0x07
    if size_code == 0 or rate_code == 15 or channel_code > 10 or depth_code == 3 or header[3] & 1:
        return None
    if (channel_code + 1 if channel_code < 8 else 2) != info.channels:
        return None
    number, position = _flac_utf8_number(header, 4)
    if number is None:
        return None
    if size_code == 6:
        block, position = header[position] + 1 if position < len(header) else 0, position + 1
    elif size_code == 7:
        block = int.from_bytes(header[position : position + 2], "big") + 1
        position += 2
    elif size_code == 1:
        block = 192
    else:
        block = 576 << (size_code - 2) if size_code <= 5 else 256 << (size_code - 8)
    position += {12: 1, 13: 2, 14: 2}.get(rate_code, 0)
    if position >= len(header) or _crc8(header[:position]) != header[position]:
        return None
    variable_blocks = header[1] & 1
    start = number if variable_blocks else number * info.min_blocksize
    return start + block


def _flac_utf8_number(data: bytes, position: int) -> tuple[int | None, int]:
    """Decode FLAC's UTF-8-style coded frame/sample number (1 to 7 bytes)."""
    first = data[position]
    if first < 0x80:
        return first, position + 1
    length = 8 - (~first & 0xFF).bit_length()  # count of leading one bits
    if not 2 <= length <= 7 or position + length > len(data):
        return None, position
    value = first & (0x7F >> length)
    for byte in data[position + 1 : position + length]:
        if byte & 0xC0 != 0x80:
            return None, position
        value = (value << 6) | (byte & 0x3F)
    return value, position + length


def _crc8(data: bytes) -> int:
    """CRC-8 (polynomial 0x07), which guards each FLAC frame header."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc
