"""Show notes: sanitized HTML for content:encoded and plain text for description."""

from __future__ import annotations

import html
import re

import nh3

# Apple cuts descriptions longer than this many bytes.
MAX_DESCRIPTION_BYTES = 4000

# Tags Apple and the big apps render in show notes; everything else is dropped.
ALLOWED_TAGS = {"p", "br", "a", "strong", "b", "em", "i", "ul", "ol", "li", "h3", "h4"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
_BREAKS = re.compile(r"<br\s*/?>|</(p|li|h3|h4|ul|ol)>", re.IGNORECASE)
_SPACE = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def sanitize_notes(notes_html: str) -> str:
    """Keep only harmless formatting and http(s)/mailto links; scripts and styles go."""
    return nh3.clean(
        notes_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    ).strip()


def plain_text(notes_html: str) -> str:
    """The notes as text: block ends become line breaks, tags and entities disappear."""
    with_breaks = _BREAKS.sub("\n", notes_html)
    text = html.unescape(nh3.clean(with_breaks, tags=set()))
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def limit_bytes(text: str, limit: int = MAX_DESCRIPTION_BYTES) -> str:
    """Cut ``text`` to at most ``limit`` UTF-8 bytes, on a character boundary, with an ellipsis.

    >>> limit_bytes("åäö", 5)
    'å…'
    """
    if len(text.encode()) <= limit:
        return text
    ellipsis = "…"
    room = limit - len(ellipsis.encode())
    cut = text.encode()[:room].decode("utf-8", errors="ignore")
    return cut.rstrip() + ellipsis
