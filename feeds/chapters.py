"""JSON chapters 1.2 (Podcast Index): the file podcast:chapters points to."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

CHAPTERS_MIME_TYPE = "application/json+chapters"


@dataclass(frozen=True)
class Chapter:
    start_seconds: float
    title: str
    img: str | None = None
    url: str | None = None
    end_seconds: float | None = None


def render_chapters(chapters: Iterable[Chapter]) -> bytes:
    """Chapters sorted by start time, with only the fields that are set.

    Apps expect ascending startTime; sorting here means the caller's order never matters.
    """
    items = []
    for chapter in sorted(chapters, key=lambda c: (c.start_seconds, c.title)):
        if chapter.start_seconds < 0:
            raise ValueError(f"chapter {chapter.title!r} starts before 0 s")
        item: dict[str, object] = {"startTime": chapter.start_seconds, "title": chapter.title}
        if chapter.img:
            item["img"] = chapter.img
        if chapter.url:
            item["url"] = chapter.url
        if chapter.end_seconds is not None:
            item["endTime"] = chapter.end_seconds
        items.append(item)
    document = {"version": "1.2.0", "chapters": items}
    return json.dumps(document, ensure_ascii=False, indent=2).encode()
