"""What a probe returns: formats, MIME types, codecs, the result dataclasses and the refusal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
