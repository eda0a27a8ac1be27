"""Markdown written in the studio, made safe for pages and feeds.

Episode notes and show descriptions get the same treatment: Markdown rendered
with raw HTML shown as text, then sanitized by nh3 (``feeds.notes``), so no
script reaches a page, an app or a reader; and a plain-text version, within
Apple's 4000 bytes, with tag-like text removed, because some apps read RSS
``<description>`` as HTML.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markupsafe import Markup

from feeds.notes import limit_bytes, plain_text, sanitize_notes

_MARKDOWN = MarkdownIt("commonmark", {"html": False})
# The sanitizer keeps h3/h4 only; Markdown's # and ## become h3 rather than plain text.
_BIG_HEADINGS = re.compile(r"<(/?)h[12]>")
_SMALL_HEADINGS = re.compile(r"<(/?)h[56]>")
_TAG_LIKE = re.compile(r"<[^<>]*>")


def render_notes(markdown: str) -> tuple[str | None, str]:
    """Markdown to sanitized HTML for content:encoded, and plain text within Apple's limit.

    Raw HTML in the Markdown is shown as text, and the result goes through the
    feed's sanitizer as well, so no script can reach a page or an app. Carriage
    returns from a browser's textarea go too (they showed as ``&#13;`` in feeds).
    """
    if not markdown.strip():
        return None, ""
    rendered = _MARKDOWN.render(markdown)
    rendered = _SMALL_HEADINGS.sub(r"<\1h4>", _BIG_HEADINGS.sub(r"<\1h3>", rendered))
    notes_html = sanitize_notes(rendered)
    # Some apps read description as HTML: tag-like text typed into the notes goes too.
    text = _TAG_LIKE.sub("", plain_text(notes_html))
    return notes_html, limit_bytes(text)


def description_html(markdown: str | None) -> Markup:
    """A show description as the public page shows it: rendered and sanitized."""
    html, _ = render_notes(markdown or "")
    return Markup(html or "")


def description_text(markdown: str | None) -> str:
    """A show description as the feed's channel ``<description>`` and meta tags carry it."""
    return render_notes(markdown or "")[1]
