"""The refusals a producer reads, in plain English; the web layer translates them by code."""

from __future__ import annotations

from media.probe.model import UnsupportedAudio

_SUPPORTED_LIST = "MP3, M4A (AAC), Opus, Ogg Vorbis, FLAC and WAV"


# A header may promise more audio than the file holds by this much before we
# call the file cut short: encoders' estimates and trailing tags stay well below.
_TRUNCATION_RATIO = 0.10


_TRUNCATION_SECONDS = 1.0


def _clearly_short(promised: float, held: float) -> bool:
    """Whether ``held`` falls short of ``promised`` by more than encoders' slack."""
    missing = promised - held
    return missing > promised * _TRUNCATION_RATIO and missing > _TRUNCATION_SECONDS


def _require_duration(duration: float) -> None:
    """A file of no length cannot be an episode, however valid its header."""
    if not duration > 0:
        raise UnsupportedAudio(
            "zero_duration",
            "The file holds no sound: its length is zero seconds. "
            "Please check the export and upload it again.",
        )


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
