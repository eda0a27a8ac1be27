"""Transcripts: read and write WebVTT, SRT, Podcast Index JSON and HTML.

A producer uploads (or a show brings along) one file per language; apps differ
in which format they read, so every format is derived from the same parsed cues.
JSON and HTML follow the Podcast Index transcript formats: timed ``segments``,
and ``<cite>``/``<time>``/``<p>`` monologues.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

FORMATS = {
    "vtt": "text/vtt",
    "srt": "application/x-subrip",
    "json": "application/json",
    "html": "text/html",
}

_TIME = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{3})")
_ARROW = re.compile(rf"^\s*({_TIME.pattern})\s*-->\s*({_TIME.pattern})")
_VOICE = re.compile(r"^<v(?:\.[^ >]*)?\s+([^>]+)>(.*?)(?:</v>)?$", re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$")
# Word-level JSON segments are joined into cues of about a caption's length.
_JOIN_UP_TO = 120
_SENTENCE_END = (".", "!", "?", "…", "\n")


class TranscriptError(ValueError):
    """The file is not a transcript we can read; the message says why."""


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str
    speaker: str | None = None


def parse_transcript(data: bytes) -> list[Cue]:
    """Cues from a WebVTT or SRT file, told apart by the WEBVTT header.

    :raise TranscriptError: for text that is not UTF-8 or holds no timed cue.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranscriptError("The transcript must be UTF-8 text.") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cues = [_cue(block) for block in re.split(r"\n\s*\n", text)]
    found = [cue for cue in cues if cue is not None]
    if not found:
        raise TranscriptError("The file has no timed cues (WebVTT or SRT).")
    return found


def read_transcript(data: bytes) -> tuple[str, list[Cue]]:
    """The format (a key of ``FORMATS``) and cues of a transcript in any format we serve.

    The content tells the format, whatever a file name or a feed's type
    attribute claims: JSON starts with ``{``, HTML with ``<``, WebVTT with its
    header, and anything else is read as SRT.

    :raise TranscriptError: for a file that is not a transcript in that format.
    """
    try:
        text = data.decode("utf-8-sig").lstrip()
    except UnicodeDecodeError as exc:
        raise TranscriptError("The transcript must be UTF-8 text.") from exc
    if text.startswith("{"):
        return "json", parse_json_transcript(data)
    if text.startswith("<"):
        return "html", parse_html_transcript(data)
    return ("vtt" if text.startswith("WEBVTT") else "srt"), parse_transcript(data)


def parse_json_transcript(data: bytes) -> list[Cue]:
    """Cues from a Podcast Index JSON transcript (``{"version", "segments": [...]}``).

    ``endTime`` is optional in the format: a segment without one ends where the
    next begins. Word-by-word segments of one speaker are joined into cues that
    end at a sentence or at about a caption's length.

    >>> parse_json_transcript(b'{"version": "1.0.0", "segments": ['
    ...     b'{"speaker": "Ann", "startTime": 0.5, "endTime": 0.9, "body": "Hej"},'
    ...     b'{"speaker": "Ann", "startTime": 1, "endTime": 1.5, "body": "alla."}]}')
    [Cue(start=0.5, end=1.5, text='Hej alla.', speaker='Ann')]

    :raise TranscriptError: for anything that is not such a document.
    """
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise TranscriptError("The transcript must be UTF-8 text.") from exc
    except ValueError as exc:
        raise TranscriptError(f"The JSON transcript cannot be read: {exc}") from exc
    segments = document.get("segments") if isinstance(document, dict) else None
    if not isinstance(segments, list):
        raise TranscriptError("The JSON transcript has no list of segments.")
    timed = [_segment(number, item) for number, item in enumerate(segments, start=1)]
    cues: list[Cue] = []
    for index, (start, end, body, speaker) in enumerate(timed):
        if end is None:
            following = timed[index + 1][0] if index + 1 < len(timed) else start
            end = max(start, following)
        if not body.strip():
            continue
        cues = _joined(cues, Cue(start, end, body, speaker))
    if not cues:
        raise TranscriptError("The JSON transcript has no segments with words.")
    return [Cue(c.start, c.end, c.text.strip(), c.speaker) for c in cues]


def _segment(number: int, item: object) -> tuple[float, float | None, str, str | None]:
    """(start, end or None, body, speaker) of one JSON segment."""
    if not isinstance(item, dict):
        raise TranscriptError(f"Segment {number} is not an object.")
    start = _json_seconds(item.get("startTime"))
    if start is None:
        raise TranscriptError(f"Segment {number} has no valid startTime.")
    end = _json_seconds(item.get("endTime")) if item.get("endTime") is not None else None
    if end is not None and end < start:
        raise TranscriptError(f"Segment {number} ends before it starts.")
    body, speaker = item.get("body"), item.get("speaker")
    if not isinstance(body, str):
        raise TranscriptError(f"Segment {number} has no body text.")
    speaker = speaker.strip() or None if isinstance(speaker, str) else None
    return start, end, body, speaker


def _json_seconds(value: object) -> float | None:
    """Seconds as a JSON number (or a number in a string, as some tools write)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _joined(cues: list[Cue], cue: Cue) -> list[Cue]:
    """``cues`` with ``cue`` appended, or joined to the last one while a sentence runs on."""
    if cues:
        last = cues[-1]
        text = f"{last.text.rstrip(' ')} {cue.text.lstrip()}"
        if (
            last.speaker == cue.speaker
            and not last.text.rstrip(" ").endswith(_SENTENCE_END)
            and len(text) <= _JOIN_UP_TO
            and cue.start >= last.start
        ):
            return [*cues[:-1], Cue(last.start, max(last.end, cue.end), text, last.speaker)]
    return [*cues, cue]


def parse_html_transcript(data: bytes) -> list[Cue]:
    """Cues from an HTML transcript: ``<cite>`` speaker, ``<time>`` start, ``<p>`` words.

    The format has start times only: each cue ends where the next begins (the
    last one where it starts). A ``<p>`` without its own ``<time>`` or
    ``<cite>`` keeps the ones before it. Nothing is fetched or run: the page is
    only tokenized, and script and style content is ignored.

    >>> [(c.start, c.end, c.speaker, c.text) for c in parse_html_transcript(
    ...     b"<cite>Kevin:</cite><time>0:00</time><p>Hello</p><time>0:09</time><p>Bye.</p>")]
    [(0.0, 9.0, 'Kevin', 'Hello'), (9.0, 9.0, 'Kevin', 'Bye.')]

    :raise TranscriptError: for a page with no timed paragraph (not such a transcript).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranscriptError("The transcript must be UTF-8 text.") from exc
    reader = _HtmlTranscriptReader()
    reader.feed(text)
    reader.close()
    if not reader.timed:
        raise TranscriptError(
            "The HTML transcript has no <time> start times, so it cannot be shown with the audio."
        )
    found = reader.monologues
    if not found:
        raise TranscriptError("The HTML transcript has no <p> paragraphs.")
    cues = []
    for index, (start, body, speaker) in enumerate(found):
        following = found[index + 1][0] if index + 1 < len(found) else start
        cues.append(Cue(start, max(start, following), body, speaker))
    return cues


class _HtmlTranscriptReader(HTMLParser):
    """Collects (start, text, speaker) per ``<p>``; only tokenizes, never loads anything."""

    _CAPTURED = ("cite", "time", "p")
    _IGNORED = ("script", "style", "template")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.monologues: list[tuple[float, str, str | None]] = []
        self.timed = False
        self._speaker: str | None = None
        self._start = 0.0
        self._open: str | None = None
        self._text: list[str] = []
        self._ignoring = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._IGNORED:
            self._ignoring += 1
        elif tag in self._CAPTURED and self._open is None:
            self._open, self._text = tag, []
        elif tag == "br" and self._open == "p":
            self._text.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._IGNORED:
            self._ignoring = max(0, self._ignoring - 1)
        elif tag == self._open:
            self._close()

    def handle_data(self, data: str) -> None:
        if self._open is not None and not self._ignoring:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        if self._open is not None:
            self._close()

    def _close(self) -> None:
        tag, words = self._open, " ".join("".join(self._text).split())
        self._open, self._text = None, []
        if tag == "cite":
            self._speaker = words.rstrip(":").strip() or None
        elif tag == "time":
            seconds = _clock_seconds(words)
            if seconds is not None:
                self._start, self.timed = seconds, True
        elif words:
            self.monologues.append((self._start, words, self._speaker))


def _clock_seconds(text: str) -> float | None:
    """``0:09``, ``1:02:03`` or ``00:01:02.500`` as seconds; None for anything else."""
    match = _CLOCK.match(text.strip())
    if not match:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(seconds) >= 60:
        return None
    whole = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return whole + (int(fraction.ljust(3, "0")) / 1000 if fraction else 0.0)


def _cue(block: str) -> Cue | None:
    """One cue from a block of lines; headers, notes and numbering have no arrow line."""
    lines = block.strip("\n").split("\n")
    for index, line in enumerate(lines):
        match = _ARROW.match(line)
        if match:
            start, end = _seconds(match.group(1)), _seconds(match.group(6))
            if end < start:
                raise TranscriptError(f"A cue ends before it starts: {line.strip()}")
            return _with_speaker(start, end, "\n".join(lines[index + 1 :]).strip())
    return None


def _with_speaker(start: float, end: float, text: str) -> Cue:
    voice = _VOICE.match(text)
    if voice:
        return Cue(start, end, _TAGS.sub("", voice.group(2)).strip(), voice.group(1).strip())
    return Cue(start, end, _TAGS.sub("", text).strip())


def _seconds(stamp: str) -> float:
    hours, minutes, seconds, millis = _TIME.match(stamp).groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def _stamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def cues_to_data(cues: Iterable[Cue]) -> list[dict[str, object]]:
    """Cues as JSON-ready dicts, to keep parsed transcripts beside their source.

    >>> cues_to_data([Cue(0.5, 2.0, "Hej", "Åsa")])
    [{'start': 0.5, 'end': 2.0, 'text': 'Hej', 'speaker': 'Åsa'}]
    """
    return [
        {"start": cue.start, "end": cue.end, "text": cue.text, "speaker": cue.speaker}
        for cue in cues
    ]


def cues_from_data(data: Iterable[dict[str, object]]) -> list[Cue]:
    """The inverse of ``cues_to_data``."""
    return [
        Cue(float(item["start"]), float(item["end"]), str(item["text"]), item.get("speaker"))
        for item in data
    ]


def plain_text(cues: Iterable[Cue]) -> str:
    """The words of a transcript, one cue a line with its speaker, for a search index.

    >>> plain_text([Cue(0, 1, "Hej", "Åsa"), Cue(1, 2, "och välkommen")])
    'Åsa: Hej\\noch välkommen'
    """
    return "\n".join(f"{cue.speaker}: {cue.text}" if cue.speaker else cue.text for cue in cues)


def to_vtt(cues: Iterable[Cue]) -> str:
    blocks = ["WEBVTT"]
    for cue in cues:
        text = f"<v {cue.speaker}>{cue.text}" if cue.speaker else cue.text
        blocks.append(f"{_stamp(cue.start, '.')} --> {_stamp(cue.end, '.')}\n{text}")
    return "\n\n".join(blocks) + "\n"


def to_srt(cues: Iterable[Cue]) -> str:
    blocks = []
    for number, cue in enumerate(cues, start=1):
        text = f"{cue.speaker}: {cue.text}" if cue.speaker else cue.text
        blocks.append(f"{number}\n{_stamp(cue.start, ',')} --> {_stamp(cue.end, ',')}\n{text}")
    return "\n\n".join(blocks) + "\n"


def to_json(cues: Iterable[Cue]) -> str:
    """The Podcast Index JSON transcript: version 1.0.0 with timed segments."""
    segments = []
    for cue in cues:
        segment: dict[str, object] = {"startTime": cue.start, "endTime": cue.end, "body": cue.text}
        if cue.speaker:
            segment = {"speaker": cue.speaker, **segment}
        segments.append(segment)
    return json.dumps({"version": "1.0.0", "segments": segments}, ensure_ascii=False, indent=2)


def to_html(cues: Iterable[Cue], *, language: str, title: str) -> str:
    """A readable page in the shape the namespace suggests: cite, time, then the text."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{html.escape(language)}">',
        f'<head><meta charset="utf-8"><title>{html.escape(title)}</title></head>',
        "<body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for cue in cues:
        if cue.speaker:
            parts.append(f"<cite>{html.escape(cue.speaker)}:</cite>")
        parts.append(f"<time>{_stamp(cue.start, '.')[:8]}</time>")
        parts.append(f"<p>{html.escape(cue.text)}</p>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def render_transcript(cues: list[Cue], fmt: str, *, language: str, title: str) -> str:
    """:raise KeyError: for a format not in ``FORMATS``."""
    if fmt == "vtt":
        return to_vtt(cues)
    if fmt == "srt":
        return to_srt(cues)
    if fmt == "json":
        return to_json(cues)
    if fmt == "html":
        return to_html(cues, language=language, title=title)
    raise KeyError(fmt)
