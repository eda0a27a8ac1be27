"""Transcripts: read WebVTT or SRT, write VTT, SRT, Podcast Index JSON and HTML.

A producer uploads one timed file per language; apps differ in which format they
read, so every format is derived from the same parsed cues.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

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
        raise TranscriptError("The file has no timed cues; upload a WebVTT or SRT file.")
    return found


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
