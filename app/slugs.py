"""URL slugs from titles, readable for Swedish and English alike."""

from __future__ import annotations

import re
import unicodedata

# Paths the app itself answers at the top level; a show may not take them.
RESERVED_SHOW_SLUGS = frozenset(
    {
        "studio",
        "media",
        "healthz",
        "static",
        "embed",
        "oembed",
        "api",
        "feeds",
        "search",
        "sitemap.xml",
        "robots.txt",
        "favicon.ico",
        "privacy",
        "login",
        "logout",
        "admin",
    }
)
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str, max_length: int = 80) -> str:
    """``"Avsnitt 1: Lindängen"`` -> ``"avsnitt-1-lindangen"``.

    >>> slugify("Ö och Å – är det så?")
    'o-och-a-ar-det-sa'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def is_valid_slug(slug: str) -> bool:
    return bool(SLUG_PATTERN.match(slug)) and len(slug) <= 80
