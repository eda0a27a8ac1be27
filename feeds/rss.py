"""render_feed: turn a show and its episodes into podcast RSS 2.0 bytes with feedgen.

The output must be byte-for-byte deterministic for the same input, because the web
layer caches it and derives the ETag from it. So nothing here may depend on the
clock except the decision which episodes are already out (``now``).

Each concern (channel, Apple channel tags, item, Apple item tags) has its own
function; the Podcasting 2.0 tags come from the extension in ``feeds.podcast_ns``.
Descriptions are cut to Apple's 4000 bytes here, so no caller can exceed it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from lxml import etree

from feeds.model import FeedEpisode, FeedShow
from feeds.notes import limit_bytes
from feeds.podcast_ns import PodcastIndexEntryExtension, PodcastIndexExtension

__all__ = ["GENERATOR", "render_feed", "visible_episodes"]

GENERATOR = "podhost"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
RSS_MIME_TYPE = "application/rss+xml"

# Characters XML 1.0 forbids even escaped; lxml refuses them, which would break the
# whole feed because of one stray control character pasted into a description.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render_feed(
    show: FeedShow, episodes: Iterable[FeedEpisode], *, now: datetime | None = None
) -> bytes:
    """Render the show's feed as UTF-8 RSS 2.0 with the itunes and content namespaces.

    Episodes published after ``now`` (default: the current UTC time) are left out
    even though the web layer already filters them, so a scheduled episode can
    never leak through a stale query or cache.
    """
    visible = visible_episodes(episodes, now=now)
    fg = _new_generator()
    _set_channel(fg, show, visible, now)
    _set_itunes_channel(fg, show)
    fg.podcastindex.show = show
    for episode in visible:
        entry = fg.add_entry(order="append")  # feedgen prepends by default
        _set_item(entry, episode)
        _set_itunes_item(entry, episode)
        entry.podcastindex.episode = episode
    return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def visible_episodes(
    episodes: Iterable[FeedEpisode], *, now: datetime | None = None
) -> list[FeedEpisode]:
    """Drop future episodes and sort newest first; equal times sort by guid.

    The guid tie-break makes the order, and so the bytes, independent of the order
    the database happened to return rows in.
    """
    cutoff = _utc(now) if now is not None else datetime.now(UTC)
    out = [e for e in episodes if _utc(e.published_at) <= cutoff]
    out.sort(key=lambda e: e.guid)
    out.sort(key=lambda e: _utc(e.published_at), reverse=True)  # stable: keeps guid order
    return out


def _itunes_duration(seconds: float) -> str:
    """Whole seconds, rounded half up: the one duration format every app parses."""
    if seconds < 0 or not math.isfinite(seconds):
        raise ValueError(f"duration must be a finite number >= 0, not {seconds!r}")
    return str(math.floor(seconds + 0.5))


def _itunes_bool(value: bool) -> str:
    """Apple's documented values are now "true"/"false" (feedgen only knows yes/no)."""
    return "true" if value else "false"


def _new_generator() -> FeedGenerator:
    """A FeedGenerator with feedgen's itunes extension plus our own small one."""
    fg = FeedGenerator()
    fg.load_extension("podcast", atom=False, rss=True)
    fg.register_extension(
        "podhost_itunes", ItunesExtension, ItunesEntryExtension, atom=False, rss=True
    )
    fg.register_extension(
        "podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension, atom=False, rss=True
    )
    return fg


def _set_channel(
    fg: FeedGenerator, show: FeedShow, visible: list[FeedEpisode], now: datetime | None
) -> None:
    """Plain RSS 2.0 channel elements."""
    fg.title(_text(show.title))
    # feedgen uses the *last* link's href as the RSS <link>, so self must come first.
    fg.link(href=show.feed_url, rel="self", type=RSS_MIME_TYPE)
    fg.link(href=show.link, rel="alternate")
    fg.description(_text(limit_bytes(show.description)))
    fg.language(show.language)
    fg.lastBuildDate(_last_build_date(show, visible, now))
    fg.generator(GENERATOR)
    if show.copyright:
        fg.copyright(_text(show.copyright))


def _last_build_date(show: FeedShow, visible: list[FeedEpisode], now: datetime | None) -> datetime:
    """The newest episode's time; without episodes, when the show last changed.

    Both are stored values, not the render's clock, so the same data renders the same
    bytes (and ETag). Only a FeedShow built without ``updated_at`` gets ``now``.
    """
    if visible:
        return _utc(visible[0].published_at)
    if show.updated_at is not None:
        return _utc(show.updated_at)
    return _utc(now) if now is not None else datetime.now(UTC)


def _set_itunes_channel(fg: FeedGenerator, show: FeedShow) -> None:
    """Apple's channel tags: everything Apple documents for a show."""
    if show.author:
        fg.podcast.itunes_author(_text(show.author))
    if show.owner_name and show.owner_email:  # feedgen raises unless both are set
        fg.podcast.itunes_owner(name=_text(show.owner_name), email=show.owner_email)
    categories = [(show.category, show.subcategory), *show.categories_extra]
    fg.podcast.itunes_category(
        [{"cat": cat, "sub": sub} if sub else {"cat": cat} for cat, sub in categories]
    )
    fg.podcast.itunes_type(show.itunes_type)
    if show.complete:
        fg.podcast.itunes_complete("yes")
    if show.block:
        fg.podcast.itunes_block("yes")
    if show.new_feed_url:
        fg.podcast.itunes_new_feed_url(show.new_feed_url)
    fg.podhost_itunes.image = show.image_url
    fg.podhost_itunes.explicit = show.explicit
    fg.podhost_itunes.title = show.itunes_title


def _set_item(entry: FeedEntry, episode: FeedEpisode) -> None:
    """Plain RSS 2.0 item elements; HTML show notes go to content:encoded as CDATA."""
    entry.title(_text(episode.title))
    entry.description(_text(limit_bytes(episode.description)))
    if episode.content_html:
        entry.content(_text(episode.content_html), type="CDATA")
    entry.guid(episode.guid, permalink=False)
    entry.published(_utc(episode.published_at))  # UTC, so pubDate ends in +0000
    entry.link(href=episode.link, rel="alternate")
    enclosure = episode.enclosure
    entry.enclosure(url=enclosure.url, length=str(enclosure.length), type=enclosure.mime_type)


def _set_itunes_item(entry: FeedEntry, episode: FeedEpisode) -> None:
    """Apple's item tags: duration in whole seconds, numbering, type, block, explicit if set."""
    entry.podcast.itunes_duration(_itunes_duration(episode.duration_seconds))
    if episode.itunes_title:
        entry.podcast.itunes_title(_text(episode.itunes_title))
    if episode.episode_number is not None:
        entry.podcast.itunes_episode(episode.episode_number)
    if episode.season_number is not None:
        entry.podcast.itunes_season(episode.season_number)
    entry.podcast.itunes_episode_type(episode.episode_type)
    if episode.block:
        entry.podcast.itunes_block(True)
    entry.podhost_itunes.image = episode.image_url
    entry.podhost_itunes.explicit = episode.explicit


class ItunesExtension(BaseExtension):
    """The itunes channel tags feedgen's podcast extension gets wrong.

    feedgen writes explicit as yes/no/clean, and *silently* drops an itunes:image
    whose URL does not end in .jpg/.png (e.g. one with a ``?v=2`` cache buster).
    """

    def __init__(self) -> None:
        """Nothing is written until a value is set."""
        self.image: str | None = None
        self.explicit: bool | None = None
        self.title: str | None = None

    def extend_ns(self) -> dict[str, str]:
        """Same prefix as feedgen's podcast extension, so there is one declaration."""
        return {"itunes": ITUNES_NS}

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        """Append the tags to <channel>; feedgen calls this after its own elements."""
        channel = feed[0]
        if self.image:
            xml_elem(f"{{{ITUNES_NS}}}image", channel, href=self.image)
        _append_explicit(channel, self.explicit)
        if self.title:
            xml_elem(f"{{{ITUNES_NS}}}title", channel).text = _text(self.title)
        return feed


class ItunesEntryExtension(BaseEntryExtension):
    """itunes:image and itunes:explicit on an item; absent means inherit the show's.

    Same reasons as the channel's: feedgen drops image URLs with a query string.
    """

    def __init__(self) -> None:
        """Nothing is written until a value is set."""
        self.image: str | None = None
        self.explicit: bool | None = None

    def extend_rss(self, entry: etree._Element) -> etree._Element:
        """Append the tags to <item>."""
        if self.image:
            xml_elem(f"{{{ITUNES_NS}}}image", entry, href=self.image)
        _append_explicit(entry, self.explicit)
        return entry


def _append_explicit(parent: etree._Element, explicit: bool | None) -> None:
    """One helper so channel and item spell the value the same way."""
    if explicit is not None:
        xml_elem(f"{{{ITUNES_NS}}}explicit", parent).text = _itunes_bool(explicit)


def _utc(moment: datetime) -> datetime:
    """Refuse naive datetimes (their instant is unknown) and convert to UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(UTC)


def _text(value: str) -> str:
    """Strip characters XML cannot carry at all; lxml escapes everything else."""
    return _XML_ILLEGAL.sub("", value)
