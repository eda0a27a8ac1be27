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
class Person:
    """podcast:person: someone on the show or an episode (role/group from the taxonomy)."""

    name: str
    role: str | None = None
    group: str | None = None
    img: str | None = None
    href: str | None = None


@dataclass(frozen=True)
class Location:
    """podcast:location: the place the show or episode is about, e.g. a city district."""

    name: str
    geo: str | None = None  # "geo:55.5833,13.0333"
    osm: str | None = None  # "R935416"


@dataclass(frozen=True)
class Funding:
    url: str
    text: str


@dataclass(frozen=True)
class Txt:
    """podcast:txt: free text such as a domain verification token."""

    text: str
    purpose: str | None = None


@dataclass(frozen=True)
class Trailer:
    title: str
    url: str
    published_at: datetime
    length: int | None = None
    mime_type: str | None = None
    season: int | None = None


@dataclass(frozen=True)
class PodrollItem:
    """podcast:remoteItem inside podcast:podroll: a show this show recommends."""

    feed_guid: str
    feed_url: str | None = None


@dataclass(frozen=True)
class Soundbite:
    start_seconds: float
    duration_seconds: float
    title: str | None = None


@dataclass(frozen=True)
class AlternateEnclosure:
    """The same episode in another format (e.g. Opus beside MP3)."""

    url: str
    length: int
    mime_type: str
    bitrate: float | None = None
    title: str | None = None
    default: bool = False
    codecs: str | None = None  # RFC 6381, e.g. "opus": apps pick what they can play


@dataclass(frozen=True)
class TranscriptLink:
    url: str
    mime_type: str  # text/vtt, application/x-subrip, application/json, text/html
    language: str | None = None
    rel: str | None = None  # "captions" for timed files


@dataclass(frozen=True)
class FeedEpisode:
    """One item of the feed. ``guid`` never changes once the episode exists."""

    guid: str
    title: str
    description: str  # plain text; cut to Apple's 4000 bytes by the renderer
    published_at: datetime  # timezone-aware
    duration_seconds: float
    enclosure: Enclosure
    link: str
    explicit: bool | None = None  # None: inherit the show's
    content_html: str | None = None  # sanitized show notes for content:encoded
    itunes_title: str | None = None
    episode_number: int | None = None
    season_number: int | None = None
    season_name: str | None = None
    episode_type: str = "full"  # full, trailer or bonus
    block: bool = False
    image_url: str | None = None
    persons: tuple[Person, ...] = ()
    location: Location | None = None
    soundbites: tuple[Soundbite, ...] = ()
    alternate_enclosures: tuple[AlternateEnclosure, ...] = ()
    chapters_url: str | None = None
    transcripts: tuple[TranscriptLink, ...] = ()
    license: str | None = None


@dataclass(frozen=True)
class PageLinks:
    """RFC 5005 paged-feed links; None where a page does not exist."""

    first: str
    last: str
    next: str | None = None
    previous: str | None = None


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
    podcast_guid: str | None = None
    itunes_title: str | None = None
    itunes_type: str = "episodic"  # or "serial"
    complete: bool = False
    block: bool = False
    new_feed_url: str | None = None
    locked: bool = False
    locked_owner: str | None = None  # defaults to owner_email
    funding: tuple[Funding, ...] = ()
    persons: tuple[Person, ...] = ()
    location: Location | None = None
    trailers: tuple[Trailer, ...] = ()
    license: str | None = None
    medium: str = "podcast"
    txts: tuple[Txt, ...] = ()
    update_frequency: str | None = None  # an RFC 5545 RRULE, e.g. "FREQ=WEEKLY"
    update_frequency_text: str | None = None
    podroll: tuple[PodrollItem, ...] = ()
    websub_hub: str | None = None
    pages: PageLinks | None = None
    # When the show itself last changed: the lastBuildDate of a feed with no episodes yet.
    updated_at: datetime | None = None
