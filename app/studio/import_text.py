"""Import notes in the reader's language: why an episode was skipped, what was left out.

Imports run in the background, outside any request, so
``app.services.imports`` keeps each note as a stable code with its values
(``Note.as_data``) beside its English message. Here each code becomes a
sentence in the studio's language when the progress page is shown. Reasons
that other parts of the app already word are worded by them: refused audio by
``refusal_message`` (media/probe.py's codes), an unreadable transcript by
``transcript_refusal``; a failed download by media/fetch.py's code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from app.services.feed_extras import transcript_refusal
from app.services.uploads import human_size, refusal_message


def N_(text: str) -> str:
    """Mark ``text`` for extraction; it is translated when shown, with the note's values."""
    return text


WORDING: dict[str, str] = {
    "no-guid": N_(
        "The episode has neither a GUID nor an audio file in the feed, "
        "so apps cannot tell it apart from the others."
    ),
    "guid-too-long": N_("The episode’s GUID is longer than %(limit)d characters."),
    "duplicate-guid": N_(
        "Episode %(item)d of the feed already has the GUID “%(guid)s”, so this one was "
        "skipped: apps would take the two for one episode."
    ),
    "guid-elsewhere": N_(
        "Another show on this service already has an episode with the GUID “%(guid)s”."
    ),
    "no-enclosure": N_("The episode has no audio file (enclosure) in the feed."),
    "no-pubdate": N_(
        "The episode has no valid publication date (pubDate), so its place in the feed is unknown."
    ),
    "guid-exists": N_("An episode with this GUID already exists."),
    "unexpected-error": N_(
        "The episode could not be imported because of an unexpected error (%(error)s). "
        "Contact the administrator."
    ),
    "no-address": N_("No address was given."),
    "not-audio-document": N_(
        "The audio address leads to a %(type)s document, not to audio "
        "(a web page where the file should be)."
    ),
    "not-publishable-audio": N_("The audio file cannot be published: %(reason)s"),
    "episode-artwork-left-out": N_("The episode’s artwork was left out: %(reason)s"),
    "episode-artwork-not-image": N_(
        "The episode’s artwork was left out: it is not a JPEG or PNG image."
    ),
    "chapters-left-out": N_("The chapters were left out: %(reason)s"),
    "chapters-no-list": N_("The chapters file has no list of chapters."),
    "chapters-unreadable": N_(
        "The chapters were left out: the file is not readable JSON chapters."
    ),
    "pictures-too-many": N_(
        "Pictures were left out: of %(count)d picture addresses only the first %(limit)d "
        "are imported."
    ),
    "picture-left-out": N_("A picture was left out: %(reason)s"),
    "picture-not-image": N_("A picture was left out: %(url)s is not a JPEG or PNG image."),
    "transcript-type": N_(
        "The transcript %(url)s was left out: only WebVTT, SRT, JSON and HTML transcripts "
        "are imported."
    ),
    "transcript-left-out": N_("The transcript (%(language)s) was left out: %(reason)s"),
    "show-artwork-placeholder": N_(
        "The show has a placeholder as its artwork: %(reason)s "
        "Upload the real artwork under Settings."
    ),
    "show-artwork-not-image": N_("The show’s artwork is not a JPEG or PNG image."),
    "paused-storage": N_(
        "The import is paused: the files cannot be stored right now. "
        "It continues by itself shortly."
    ),
    # A failed download, by media.fetch's FetchError code ("http_error": no status number).
    "fetch:blocked_address": N_(
        "%(url)s leads to a private or local address, so it is not fetched. "
        "An admin can allow the host with IMPORT_ALLOWED_HOSTS."
    ),
    "fetch:bad_url": N_(
        "“%(url)s” is not a web address we can fetch (http:// or https://, "
        "without a user name or password)."
    ),
    "fetch:too_large": N_("%(url)s is larger than the limit of %(max_bytes)s."),
    "fetch:timeout": N_("%(url)s did not answer or download in time."),
    "fetch:http_status": N_("%(url)s answered HTTP %(status)d, not the file."),
    "fetch:http_error": N_("%(url)s answered with an error, not the file."),
    "fetch:too_many_redirects": N_("%(url)s redirects too many times."),
    "fetch:network": N_("%(url)s could not be fetched: its host could not be reached."),
}

# Codes whose words the studio already has elsewhere.
REUSED: dict[str, Callable[[], str]] = {"transcript:unreadable": transcript_refusal}
PROBE_PREFIX = "probe:"  # + media.probe's RefusalCode, worded by refusal_message
BYTE_PARAMS = ("max_bytes",)  # sizes, shown as "1.1 GB" ("51,1 kB" in Swedish)


@dataclass(frozen=True)
class ImportText:
    """A job's or an item's message as the studio shows it."""

    text: str
    lang: str | None = None  # "en" for the stored English message, when it has no codes


def import_text(message: str | None, codes: Any) -> ImportText | None:
    """The message in the request's language; its English for rows without (fitting) codes.

    Rows written before codes were kept have only the English message. A code
    this studio does not know, or values that do not fit its wording, also fall
    back to the English, which always says it all.
    """
    if not message:
        return None
    if isinstance(codes, list) and codes:
        sentences = [_worded(part) for part in codes]
        if all(sentence is not None for sentence in sentences):
            return ImportText(" ".join(sentences))
    return ImportText(message, "en")


def _worded(part: Any) -> str | None:
    """One note (``{"code", "params"}``) as a sentence; None when it cannot be worded."""
    if not isinstance(part, dict) or not isinstance(part.get("code"), str):
        return None
    code, params = part["code"], part.get("params") or {}
    if code.startswith(PROBE_PREFIX):
        return refusal_message(code.removeprefix(PROBE_PREFIX))
    if code in REUSED:
        return REUSED[code]()
    wording = WORDING.get(code)
    if wording is None or not isinstance(params, dict):
        return None
    try:
        values = {name: _value(name, value) for name, value in params.items()}
        # Formatted here, not by gettext, which leaves a string alone when given no values.
        return gettext(wording) % values
    except (KeyError, TypeError, ValueError):
        return None


def _value(name: str, value: Any) -> Any:
    """A param as the wording shows it: a nested note worded, a size in the reader's units.

    :raise ValueError: for a nested note that cannot be worded.
    """
    if isinstance(value, dict):
        worded = _worded(value)
        if worded is None:
            raise ValueError(f"no wording for {value!r}")
        return worded
    if name in BYTE_PARAMS:
        return human_size(value)
    return value
