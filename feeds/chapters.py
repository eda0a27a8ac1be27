"""JSON chapters 1.2 (Podcast Index): the file podcast:chapters points to."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

CHAPTERS_MIME_TYPE = "application/json+chapters"
MAX_LINK_LENGTH = 1000  # the url and img columns' length
WEB_SCHEMES = ("http", "https")


def web_link(value: str | None) -> str | None:
    """``value`` when it is a web address an app may open for a listener, else None.

    The one check every chapter link passes, however it came in: audio tags
    (ID3 ``WXXX``), the editor, a JSON chapters import, a feed import. Apps
    open these links when tapped, and ``chapters.json`` is served to any
    origin, so ``javascript:``, ``data:`` and the like must never get through.

    >>> web_link(" https://malmo.se/a "), web_link("javascript:alert(1)"), web_link("//x.se")
    ('https://malmo.se/a', None, None)
    """
    text = (value or "").strip()
    if not text or len(text) > MAX_LINK_LENGTH or not text.isascii():
        return None
    if any(char.isspace() or not char.isprintable() for char in text):
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:  # a malformed port or IPv6 address
        return None
    return text if parts.scheme.lower() in WEB_SCHEMES and host else None


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
        if web_link(chapter.url):  # rows stored before every way in was checked, too
            item["url"] = chapter.url
        if chapter.end_seconds is not None:
            item["endTime"] = chapter.end_seconds
        items.append(item)
    document = {"version": "1.2.0", "chapters": items}
    return json.dumps(document, ensure_ascii=False, indent=2).encode()
