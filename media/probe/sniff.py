"""Naming the format from the leading bytes, never from a file name or a declared type.

Formats we recognise but do not publish are named, so that the producer learns
that a conversion will fix the file ("unsupported") rather than "not audio".
"""

from __future__ import annotations

from typing import BinaryIO

from media.probe.common import _read_at
from media.probe.model import SUPPORTED_FORMATS
from media.probe.refusals import _cannot_read, _not_audio, _unsupported

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
