"""podcast:guid: the show's global identity, derived once from its feed URL."""

from __future__ import annotations

import re
import uuid

# Fixed by the Podcast Index namespace spec, so every host derives the same guid.
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def podcast_guid(feed_url: str) -> str:
    """UUIDv5 over the feed URL without its scheme and trailing slashes.

    The caller stores the result once and keeps it when the URL later changes,
    because the guid must outlive moves.

    >>> podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml")
    '917393e3-1b1e-5cef-ace4-edaa54e1f810'
    """
    stripped = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", feed_url.strip()).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, stripped))
