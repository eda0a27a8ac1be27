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

import base64
import binascii
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal

from mutagen import MutagenError
from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3, CTOCFlags, ID3NoHeaderError
from mutagen.mp3 import MPEGInfo
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

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

#: Machine-readable reasons for a refusal; the web layer translates by these.
RefusalCode = Literal["empty", "not_audio", "unsupported_format", "zero_duration", "truncated"]

SUPPORTED_FORMATS: tuple[str, ...] = ("mp3", "m4a", "opus", "ogg", "flac", "wav")

#: audio/x-m4a is the type Apple's podcast documentation lists for .m4a.
MIME_TYPES: dict[str, str] = {
    "mp3": "audio/mpeg",
    "m4a": "audio/x-m4a",
    "opus": "audio/ogg",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "wav": "audio/wav",
}

_FORMAT_NAMES: dict[str, str] = {
    "mp3": "MP3",
    "m4a": "M4A",
    "opus": "Opus",
    "ogg": "Ogg Vorbis",
    "flac": "FLAC",
    "wav": "WAV",
}
_SUPPORTED_LIST = "MP3, M4A (AAC), Opus, Ogg Vorbis, FLAC and WAV"


def codec_name(codecs: str | None) -> str | None:
    """``opus`` -> ``Opus``, ``mp4a.40.2`` -> ``AAC``: the name on a studio button.

    An M4A's codec is its own (AAC or Apple Lossless); every other is one format's.
    """
    if not codecs:
        return None
    if codecs.startswith("mp4a"):
        return "AAC"
    if codecs == "alac":
        return "Apple Lossless"
    fmt = next((fmt for fmt, name in CODECS.items() if name == codecs), None)
    return _FORMAT_NAMES[fmt] if fmt else None


#: RFC 6381 codec names, as podcast:alternateEnclosure's ``codecs`` wants them; an M4A
#: says its own (``mp4a.40.2`` for AAC-LC, ``alac``). ``1`` is WAVE's PCM (RFC 2361).
CODECS: dict[str, str] = {"mp3": "mp3", "opus": "opus", "ogg": "vorbis", "flac": "flac", "wav": "1"}

# A header may promise more audio than the file holds by this much before we
# call the file cut short: encoders' estimates and trailing tags stay well below.
_TRUNCATION_RATIO = 0.10
_TRUNCATION_SECONDS = 1.0
# Below this many bytes after the tags, a file that starts like MP3 but holds
# no frame is a cut-off upload rather than some other kind of file.
_TINY_MP3_BYTES = 8192

# Leading bytes of audio formats we recognise but do not publish. Mutagen
# knows most of these too; naming them lets us say "unsupported" rather than
# "not audio", which tells the producer that a conversion will fix it.
_OTHER_AUDIO: tuple[tuple[bytes, int, str], ...] = (
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", 0, "Windows Media Audio (WMA/ASF)"),
    (b"\x1a\x45\xdf\xa3", 0, "Matroska/WebM"),
    (b"caff", 0, "Core Audio (CAF)"),
    (b"#!AMR", 0, "AMR"),
    (b"MThd", 0, "MIDI"),
    (b"ADIF", 0, "raw AAC (ADIF)"),
    (b"wvpk", 0, "WavPack"),
    (b"MAC ", 0, "Monkey's Audio"),
    (b"TTA1", 0, "True Audio"),
    (b"MPCK", 0, "Musepack"),
    (b"MP+", 0, "Musepack"),
    (b"OFR ", 0, "OptimFROG"),
    (b"tBaK", 0, "TAK"),
    (b"DSD ", 0, "DSD (DSF)"),
    (b"FRM8", 0, "DSD (DSDIFF)"),
    (b".snd", 0, "Sun/NeXT audio (AU)"),
    (b"RF64", 0, "RF64 (large WAV)"),
    (b"BW64", 0, "BW64 (large WAV)"),
    (b"APETAGEX", 0, "APE-tagged audio"),
)
_OGG_CODECS: tuple[tuple[bytes, str | None], ...] = (
    (b"\x01vorbis", "ogg"),
    (b"OpusHead", "opus"),
    (b"\x7fFLAC", "Ogg FLAC"),
    (b"Speex   ", "Speex"),
    (b"\x80theora", "Ogg Theora video"),
)
_MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")
_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_FRONT_COVER = 3  # picture type shared by ID3 APIC and FLAC picture blocks


@dataclass(frozen=True)
class Chapter:
    """A chapter mark: seconds from the start, and ``end`` None when unknown."""

    start: float
    end: float | None
    title: str
    url: str | None = None


@dataclass(frozen=True)
class CoverArt:
    """Embedded artwork, with its MIME type taken from the image bytes when possible."""

    data: bytes
    mime_type: str


@dataclass(frozen=True)
class AudioTags:
    """The common tags, as text; ``track`` keeps forms such as "3" or "3/10"."""

    title: str | None = None
    artist: str | None = None
    album: str | None = None
    comment: str | None = None
    date: str | None = None
    track: str | None = None


@dataclass(frozen=True)
class AudioInfo:
    """What an uploaded audio file is, learnt from its content alone."""

    format: str  # one of SUPPORTED_FORMATS
    mime_type: str
    extension: str  # ".mp3" etc.: what to name the stored file
    duration: float  # seconds
    bitrate: int | None  # bits per second (average for VBR)
    sample_rate: int | None
    channels: int | None
    tags: AudioTags
    cover: CoverArt | None
    chapters: tuple[Chapter, ...]
    codecs: str = ""  # RFC 6381: tells Opus from Vorbis, which share audio/ogg


class UnsupportedAudio(ValueError):
    """The upload cannot be published as audio.

    ``code`` is for programs (the web layer translates by it): "empty",
    "not_audio", "unsupported_format", "zero_duration" or "truncated".
    ``str(error)`` is a plain-English explanation for the producer.
    """

    def __init__(self, code: RefusalCode, message: str) -> None:
        super().__init__(message)
        self.code: RefusalCode = code
        self.message = message


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


# --- sniffing ------------------------------------------------------------------


def _size(fileobj: BinaryIO) -> int:
    """The file's length, found by seeking so that nothing is read."""
    fileobj.seek(0, 2)
    return fileobj.tell()


def _read_at(fileobj: BinaryIO, offset: int, length: int) -> bytes:
    """A few bytes from ``offset`` (fewer at the end of the file)."""
    fileobj.seek(offset)
    return fileobj.read(length)


def _sniff(fileobj: BinaryIO, size: int) -> tuple[str, int]:
    """Name the format from leading bytes; return it and where ID3v2 tags end.

    Anything unrecognised goes to the MP3 reader, because raw MP3 streams may
    begin with junk and can only be told from noise by finding frames.
    """
    tag_end = _id3v2_end(fileobj, size)
    head = _read_at(fileobj, tag_end, 128)
    if head.startswith(b"fLaC"):  # FLAC may carry a leading ID3 tag
        return "flac", tag_end
    if tag_end == 0:
        if head.startswith(b"OggS"):
            return _ogg_codec(head), 0
        if head[4:8] in _MP4_BOXES:
            return "m4a", 0
        if head.startswith(b"RIFF"):
            if head[8:12] == b"WAVE":
                return "wav", 0
            raise _not_audio()  # AVI video, WebP images and such
        if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
            raise _unsupported("AIFF")
        for magic, offset, name in _OTHER_AUDIO:
            if head[offset:].startswith(magic):
                raise _unsupported(name)
        if _is_ac3(head):
            raise _unsupported("AC-3")
    if _is_adts(fileobj, tag_end, head):
        raise _unsupported("raw AAC (ADTS)")
    return "mp3", tag_end


def _id3v2_end(fileobj: BinaryIO, size: int) -> int:
    """Offset just past the leading ID3v2 tag(s); some tools stack several."""
    offset = 0
    while offset + 10 <= size:
        header = _read_at(fileobj, offset, 10)
        if not _is_id3v2_header(header):
            break
        length = 0
        for byte in header[6:10]:  # "syncsafe" integer: 7 bits per byte
            length = (length << 7) | byte
        footer = 10 if header[5] & 0x10 else 0
        offset = min(size, offset + 10 + length + footer)
    return offset


def _is_id3v2_header(header: bytes) -> bool:
    """The bytes "ID3", a major version 2-4 and a syncsafe size; text like "ID3 is" fails."""
    return (
        len(header) == 10
        and header.startswith(b"ID3")
        and header[3] in (2, 3, 4)
        and header[4] != 0xFF
        and not any(byte & 0x80 for byte in header[6:10])
    )


def _ogg_codec(head: bytes) -> str:
    """Tell Opus from Vorbis (and refuse other Ogg codecs) by the first packet."""
    if len(head) < 27:
        raise _cannot_read("Ogg")
    packet = head[27 + head[26] :]
    for magic, name in _OGG_CODECS:
        if packet.startswith(magic):
            if name in SUPPORTED_FORMATS:
                return name
            raise _unsupported(name or "Ogg")
    raise _unsupported("an Ogg file with an unknown codec")


def _is_ac3(head: bytes) -> bool:
    """AC-3 sync word plus a plausible bitstream id (the sync alone is too weak)."""
    return head.startswith(b"\x0b\x77") and len(head) > 5 and head[5] >> 3 <= 16


def _is_adts(fileobj: BinaryIO, offset: int, head: bytes) -> bool:
    """Raw AAC frames (ADTS): sync, layer 0, and a second frame where the first says."""
    if len(head) < 7 or head[0] != 0xFF or head[1] & 0xF6 != 0xF0:
        return False
    frame_length = ((head[3] & 0x03) << 11) | (head[4] << 3) | (head[5] >> 5)
    if frame_length < 7:
        return False
    following = _read_at(fileobj, offset + frame_length, 2)
    return len(following) == 2 and following[0] == 0xFF and following[1] & 0xF6 == 0xF0


# --- readers, one per format ----------------------------------------------------


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


def _clearly_short(promised: float, held: float) -> bool:
    """Whether ``held`` falls short of ``promised`` by more than encoders' slack."""
    missing = promised - held
    return missing > promised * _TRUNCATION_RATIO and missing > _TRUNCATION_SECONDS


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


_READERS: dict[str, Callable[[BinaryIO, int, int], AudioInfo]] = {
    "mp3": _read_mp3,
    "m4a": _read_m4a,
    "opus": _read_opus,
    "ogg": _read_ogg,
    "flac": _read_flac,
    "wav": _read_wav,
}


# --- shared helpers ---------------------------------------------------------------


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


def _require_duration(duration: float) -> None:
    """A file of no length cannot be an episode, however valid its header."""
    if not duration > 0:
        raise UnsupportedAudio(
            "zero_duration",
            "The file holds no sound: its length is zero seconds. "
            "Please check the export and upload it again.",
        )


def _average_bitrate(size: int, duration: float) -> int | None:
    """Bits per second over the whole file, when the format states none."""
    return round(size * 8 / duration) if duration > 0 else None


def _human(seconds: float) -> str:
    """A duration as people say it: "1.5 seconds", "42 seconds", "3 min 5 s", "1 h 2 min"."""
    if seconds < 10:
        return f"{seconds:.1f} seconds"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} seconds"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


def _not_audio() -> UnsupportedAudio:
    """The refusal for documents, images, archives, noise."""
    return UnsupportedAudio(
        "not_audio",
        "This file is not an audio file we can recognise. "
        f"Please upload a sound file in one of these formats: {_SUPPORTED_LIST}.",
    )


def _unsupported(name: str) -> UnsupportedAudio:
    """The refusal for real audio in a format podcast apps do not all play."""
    return UnsupportedAudio(
        "unsupported_format",
        f"This file is {name}, which is not supported. Please convert it to one of "
        f"these formats: {_SUPPORTED_LIST}.",
    )


def _nothing_left() -> UnsupportedAudio:
    """The refusal for a file that starts right but stops before any sound."""
    return UnsupportedAudio(
        "truncated",
        "The file holds no complete piece of audio: it seems to have been cut short, "
        "for example by an interrupted upload or export. Please export or upload it again.",
    )


def _cut_short(promised: float, held: float) -> UnsupportedAudio:
    """The refusal for a file whose header promises more audio than it holds."""
    holds = f"it holds only {_human(held)}" if held >= 0.1 else "it holds almost none of it"
    return UnsupportedAudio(
        "truncated",
        f"The file seems cut short: its header promises {_human(promised)} but {holds}. "
        "Please export or upload it again.",
    )


def _cannot_read(name: str) -> UnsupportedAudio:
    """The refusal for a file that starts like ``name`` but cannot be read through."""
    return UnsupportedAudio(
        "truncated",
        f"The file looks like {name} audio but cannot be read: it may be incomplete "
        "(cut short during export or upload) or damaged. Please export or upload it again.",
    )


def _text(values: Iterable[object] | None) -> str | None:
    """Join a tag's values into one string; blank means absent."""
    if values is None:
        return None
    joined = " / ".join(str(value).strip() for value in values if str(value).strip())
    return joined or None


def _cover(data: bytes, declared: str) -> CoverArt | None:
    """Artwork with a MIME type the image bytes confirm, as declared types are often wrong."""
    if not data:
        return None
    for magic, mime in _IMAGE_MAGIC:
        if data.startswith(magic):
            return CoverArt(bytes(data), mime)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return CoverArt(bytes(data), "image/webp")
    declared = declared.strip().lower()
    if declared in ("jpg", "jpeg", "image/jpg"):
        declared = "image/jpeg"
    return CoverArt(bytes(data), declared) if declared.startswith("image/") else None


def _pick_picture(pictures: Iterable[Any]) -> Any | None:
    """The front cover (type 3) if there is one, else the first picture."""
    candidates = list(pictures)
    for picture in candidates:
        if picture.type == _FRONT_COVER:
            return picture
    return candidates[0] if candidates else None


# --- ID3 (MP3 and WAV) ---------------------------------------------------------------


def _id3_tags(tags: Any) -> AudioTags:
    """Title, artist, album, comment, date and track from ID3v2 frames."""
    if tags is None:
        return AudioTags()

    def text(key: str) -> str | None:
        frame = tags.get(key)
        return _text(frame.text) if frame is not None else None

    comments = tags.getall("COMM")
    plain = [frame for frame in comments if not frame.desc] or comments
    return AudioTags(
        title=text("TIT2"),
        artist=text("TPE1"),
        album=text("TALB"),
        comment=_text(plain[0].text) if plain else None,
        date=text("TDRC"),  # mutagen merges ID3v2.3 TYER/TDAT into TDRC
        track=text("TRCK"),
    )


def _id3_cover(tags: Any) -> CoverArt | None:
    """The APIC front cover, else the first embedded picture (links "-->" skipped)."""
    if tags is None:
        return None
    pictures = [frame for frame in tags.getall("APIC") if frame.mime != "-->" and frame.data]
    picture = _pick_picture(pictures)
    return _cover(picture.data, picture.mime) if picture is not None else None


def _id3_chapters(tags: Any) -> tuple[Chapter, ...]:
    """CHAP frames, in table-of-contents order when a CTOC exists, else by start."""
    if tags is None:
        return ()
    chaps = {frame.element_id: frame for frame in tags.getall("CHAP")}
    ordered = [chaps[element] for element in _toc_order(tags.getall("CTOC")) if element in chaps]
    listed = {frame.element_id for frame in ordered}
    unlisted = sorted(
        (frame for frame in chaps.values() if frame.element_id not in listed),
        key=lambda frame: frame.start_time,
    )
    return tuple(_id3_chapter(frame) for frame in ordered + unlisted)


def _toc_order(tocs: Sequence[Any]) -> list[str]:
    """Element ids from the top-level CTOC, nested tables flattened in place."""
    by_id = {toc.element_id: toc for toc in tocs}
    roots = [toc for toc in tocs if toc.flags & CTOCFlags.TOP_LEVEL] or list(tocs[:1])
    order: list[str] = []
    seen: set[str] = set()

    def walk(toc: Any) -> None:
        seen.add(toc.element_id)
        for child in toc.child_element_ids:
            if child in by_id:
                if child not in seen:  # guard against tables that list each other
                    walk(by_id[child])
            elif child not in order:
                order.append(child)

    for root in roots[:1]:
        walk(root)
    return order


def _id3_chapter(frame: Any) -> Chapter:
    """One CHAP frame: milliseconds to seconds, title from TIT2, link from WXXX/W***."""
    start = frame.start_time / 1000
    end = frame.end_time / 1000 if frame.end_time > frame.start_time else None
    title = None
    url = None
    for sub in frame.sub_frames.values():
        if sub.FrameID == "TIT2" and title is None:
            title = _text(sub.text)
        elif sub.FrameID.startswith("W") and url is None:
            url = str(sub.url).strip() or None
    return Chapter(start=start, end=end, title=title or "", url=url)


# --- MP4 ------------------------------------------------------------------------------


def _mp4_tags(tags: Any) -> AudioTags:
    """iTunes-style atoms; trkn (number, total) becomes "3" or "3/10"."""
    track = None
    numbers = tags.get("trkn")
    if numbers:
        number, total = (*numbers[0], 0, 0)[:2]
        if number:
            track = f"{number}/{total}" if total else str(number)
    return AudioTags(
        title=_text(tags.get("\xa9nam")),
        artist=_text(tags.get("\xa9ART")),
        album=_text(tags.get("\xa9alb")),
        comment=_text(tags.get("\xa9cmt")) or _text(tags.get("desc")),
        date=_text(tags.get("\xa9day")),
        track=track,
    )


def _mp4_cover(tags: Any) -> CoverArt | None:
    """The first covr image; its format code backs up the byte sniffing."""
    covers = tags.get("covr") or []
    if not covers:
        return None
    cover = covers[0]
    declared = "image/png" if getattr(cover, "imageformat", None) == MP4Cover.FORMAT_PNG else ""
    return _cover(bytes(cover), declared or "image/jpeg")


def _mp4_chapters(chapters: Any, duration: float) -> tuple[Chapter, ...]:
    """Nero-style chapters (moov/udta/chpl): each ends where the next starts."""
    if not chapters:
        return ()
    marks = sorted(((float(mark.start), str(mark.title)) for mark in chapters), key=lambda m: m[0])
    ends = [start for start, _title in marks[1:]] + [duration]
    return tuple(
        Chapter(start=start, end=end if end > start else None, title=title.strip())
        for (start, title), end in zip(marks, ends, strict=True)
    )


# --- Vorbis comments (Ogg Vorbis, Opus, FLAC) -----------------------------------------------


def _vorbis_tags(comments: Any) -> AudioTags:
    """Vorbis comment fields; a separate track total is folded into "3/10"."""

    def first(*keys: str) -> str | None:
        for key in keys:
            value = _text(comments.get(key))
            if value:
                return value
        return None

    track = first("tracknumber")
    total = first("tracktotal", "totaltracks")
    if track and total and "/" not in track:
        track = f"{track}/{total}"
    return AudioTags(
        title=first("title"),
        artist=first("artist"),
        album=first("album"),
        comment=first("comment", "description"),
        date=first("date", "year"),
        track=track,
    )


def _vorbis_cover(comments: Any, pictures: Iterable[Picture]) -> CoverArt | None:
    """FLAC picture blocks, or base64 METADATA_BLOCK_PICTURE comments (Ogg's way)."""
    candidates = list(pictures)
    for encoded in comments.get("metadata_block_picture") or []:
        try:
            candidates.append(Picture(base64.b64decode(encoded)))
        except (binascii.Error, ValueError, MutagenError, struct.error):
            continue  # one damaged picture should not cost the episode its upload
    picture = _pick_picture(candidates)
    return _cover(picture.data, picture.mime) if picture is not None else None
