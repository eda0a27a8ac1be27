"""Plain data the feed is rendered from. The web layer maps its rows onto these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Enclosure:
    """The audio file a podcast app downloads."""

    url: str
    length: int
    mime_type: str


@dataclass(frozen=True)
class FeedEpisode:
    """One item of the feed. ``guid`` never changes once the episode exists."""

    guid: str
    title: str
    description: str
    published_at: datetime  # timezone-aware
    duration_seconds: float
    enclosure: Enclosure
    link: str
    explicit: bool | None = None  # None: inherit the show's


@dataclass(frozen=True)
class FeedShow:
    """The channel. ``feed_url`` is the stable address apps subscribe to."""

    title: str
    description: str
    language: str  # e.g. "sv", "sv-SE", "en"
    link: str
    feed_url: str
    image_url: str
    author: str
    owner_name: str
    owner_email: str
    category: str  # an Apple top-level category, e.g. "Society & Culture"
    subcategory: str | None = None
    explicit: bool = False
    copyright: str | None = None
    categories_extra: list[tuple[str, str | None]] = field(default_factory=list)
