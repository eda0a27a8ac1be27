"""An episode's audio processing in the producer's words (Swedish and English).

media.mastering and the job speak in codes (``silent``, ``downmixed``, LUFS
figures); here each becomes a sentence saying what happened and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_decimal, format_percent, gettext

from app.models import Episode
from app.processing.service import FAILED, PROCESSING, QUEUED, READY


def N_(text: str) -> str:
    """Mark ``text`` for extraction; it is translated when shown, with its values."""
    return text


#: Why processing refused a file, and what the producer can do.
REASONS: dict[str, str] = {
    "unreadable": N_(
        "The file could not be read: its header may be damaged. "
        "Export it again from your editing program and replace the audio."
    ),
    "no_audio": N_("The file holds no audio. Replace it with the episode's sound file."),
    "truncated": N_(
        "The file ends early: it holds %(seconds)s of the %(declared)s its header promises, "
        "so the upload or export was cut short. Upload it again."
    ),
    "silent": N_(
        "The file is silent, or so quiet that nothing can be heard. "
        "Check the export and replace the audio."
    ),
    "too_long": N_(
        "The file is %(seconds)s long; the longest this service publishes is %(limit)s. "
        "Split it into several episodes."
    ),
    "encode_failed": N_(
        "The MP3 could not be made from this file. Export it again as WAV or MP3 and "
        "replace the audio; if it happens again, contact the administrator."
    ),
    "master_missing": N_(
        "The uploaded file is no longer in storage. Replace the audio to publish the episode."
    ),
    "storage": N_("Storage refused the processed file. It will be tried again."),
    "internal": N_(
        "Processing failed because of a fault in the podcast service. "
        "Contact the administrator; your file is kept."
    ),
}

#: Things done although nothing failed.
NOTES: dict[str, str] = {
    "downmixed": N_(
        "The file had %(channels)s channels (a surround mix); it was mixed down to stereo."
    ),
    "resampled": N_(
        "The master was recorded at %(rate)s Hz; the MP3 is made at 44,100 Hz, "
        "which is what podcast apps play."
    ),
    "dynamic": N_("The loudest peaks were too high for simple gain, so they were gently limited."),
    "not_normalised": N_("Loudness was not changed: normalising is off for this episode."),
}

STATES: dict[str, str] = {
    QUEUED: N_("Audio waiting to be processed"),
    PROCESSING: N_("Audio being processed: %(percent)s"),
    READY: N_("Audio ready"),
    FAILED: N_("Audio processing failed"),
}


@dataclass(frozen=True)
class AudioStatus:
    """What the studio shows about one episode's audio."""

    state: str
    label: str
    progress: float | None = None
    reason: str | None = None
    loudness: str | None = None
    notes: list[str] = field(default_factory=list)
    out_of_feed: str | None = None
    normalise: bool = True
    has_master: bool = False


def duration_words(seconds: float) -> str:
    """``1 h 05 min``, ``3 min 20 s``, ``12 s``: lengths in a sentence."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return gettext("%(hours)s h %(minutes)02d min", hours=hours, minutes=minutes)
    if minutes:
        return gettext("%(minutes)s min %(seconds)02d s", minutes=minutes, seconds=secs)
    return gettext("%(seconds)s s", seconds=secs)


def lufs(value: float) -> str:
    """A loudness figure as the page's language writes numbers (−27, −16)."""
    return format_decimal(round(value), format="#,##0")


def compared(loudness: float, target: float) -> str:
    """How a loudness compares with what podcasts usually have (the target)."""
    difference = loudness - target
    if difference < -6:
        return gettext("much quieter than most podcasts")
    if difference < -2:
        return gettext("a little quieter than most podcasts")
    if difference <= 2:
        return gettext("about as loud as most podcasts")
    if difference <= 6:
        return gettext("a little louder than most podcasts")
    return gettext("much louder than most podcasts")


def loudness_sentence(before: float, after: float | None, target: float, action: str | None) -> str:
    """ "−27 LUFS: much quieter than most podcasts; normalising brings it to −16"."""
    said = gettext(
        "%(lufs)s LUFS: %(comparison)s", lufs=lufs(before), comparison=compared(before, target)
    )
    if action == "normalised" and after is not None:
        return gettext(
            "%(measured)s; normalising brings it to %(after)s", measured=said, after=lufs(after)
        )
    if action == "kept":
        return gettext("%(measured)s; the file is published as it is", measured=said)
    return gettext("%(measured)s; its loudness is left as it is", measured=said)


def _values(code: str, values: dict) -> dict:
    """Figures in a reason or note, worded for the page's language."""
    worded = dict(values)
    for name in ("seconds", "declared", "limit"):
        if name in worded:
            worded[name] = duration_words(float(worded[name]))
    if "rate" in worded:
        worded["rate"] = format_decimal(worded["rate"])
    return worded


def reason_text(code: str | None, values: dict | None = None) -> str:
    """The sentence for a refusal code (an unknown one, or one missing its figures,
    gets the fault-in-the-service text rather than a sentence with a hole)."""
    text = REASONS.get(code or "internal", REASONS["internal"])
    try:
        return gettext(text, **_values(code or "", values or {}))
    except (KeyError, TypeError, ValueError):
        return gettext(REASONS["internal"])


def audio_status(episode: Episode) -> AudioStatus | None:
    """The studio's view of ``episode``'s audio; None for episodes made before processing."""
    row = episode.audio_processing
    if row is None:
        return None
    percent = format_percent(row.progress or 0.0)
    label = gettext(STATES.get(row.state, STATES[QUEUED]), percent=percent)
    figures = next((n.get("values") for n in row.notes or [] if n.get("code") == row.reason), {})
    reason = reason_text(row.reason, figures) if row.state == FAILED else None
    loudness = None
    if row.loudness_before is not None and row.state == READY:
        loudness = loudness_sentence(
            row.loudness_before, row.loudness_after, row.target or -16.0, row.action
        )
    notes = [
        gettext(NOTES[note["code"]], **_values(note["code"], note.get("values") or {}))
        for note in row.notes or []
        if note.get("code") in NOTES and row.state == READY
    ]
    out_of_feed = None
    if row.state != READY and episode.published_at is not None:
        out_of_feed = gettext(
            "The episode is published or scheduled, but it appears in the feed "
            "only when its audio is ready."
        )
    return AudioStatus(
        state=row.state,
        label=label,
        progress=row.progress if row.state == PROCESSING else None,
        reason=reason,
        loudness=loudness,
        notes=notes,
        out_of_feed=out_of_feed,
        normalise=row.normalise,
        has_master=True,
    )
