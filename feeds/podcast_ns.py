"""The Podcasting 2.0 namespace (https://podcastindex.org/namespace/1.0) as a feedgen extension.

Each tag has one small writer, called in a fixed order, so the output is
deterministic and a missing value simply writes nothing.
"""

from __future__ import annotations

from email.utils import format_datetime

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem
from lxml import etree

from feeds.chapters import CHAPTERS_MIME_TYPE
from feeds.model import FeedEpisode, FeedShow, Location, Person

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: object):
    """One podcast: element; attributes that are None are left out, numbers become text."""
    element = xml_elem(f"{{{PODCAST_NS}}}{tag}", parent)
    for name, value in attrs.items():
        if value is not None:
            element.set(name.rstrip("_").replace("_", "-"), _attr(value))
    if text is not None:
        element.text = text
    return element


def _attr(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _seconds(value: float) -> str:
    """Decimal seconds without float noise: 73.0 -> "73.0", 1.25 -> "1.25"."""
    return repr(round(float(value), 3))


def _person(parent: etree._Element, person: Person) -> None:
    _el(
        parent,
        "person",
        person.name,
        role=person.role,
        group=person.group,
        img=person.img,
        href=person.href,
    )


def _location(parent: etree._Element, location: Location | None) -> None:
    if location:
        _el(parent, "location", location.name, geo=location.geo, osm=location.osm)


class PodcastIndexExtension(BaseExtension):
    """Channel tags. Set ``show`` before rendering; nothing is written without it."""

    def __init__(self) -> None:
        self.show: FeedShow | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        show = self.show
        if show is None:
            return feed
        channel = feed[0]
        _paging_links(channel, show)
        if show.websub_hub:
            xml_elem(f"{{{ATOM_NS}}}link", channel, rel="hub", href=show.websub_hub)
        if show.podcast_guid:
            _el(channel, "guid", show.podcast_guid)
        _el(channel, "locked", _yes_no(show.locked), owner=show.locked_owner or show.owner_email)
        _el(channel, "medium", show.medium)
        if show.block:
            _el(channel, "block", "yes")
        if show.image_url:
            _el(channel, "image", href=show.image_url)
        for funding in show.funding:
            _el(channel, "funding", funding.text, url=funding.url)
        for person in show.persons:
            _person(channel, person)
        _location(channel, show.location)
        if show.license:
            _el(channel, "license", show.license)
        for txt in show.txts:
            _el(channel, "txt", txt.text, purpose=txt.purpose)
        if show.update_frequency:
            _el(
                channel,
                "updateFrequency",
                show.update_frequency_text or show.update_frequency,
                rrule=show.update_frequency,
                complete=True if show.complete else None,
            )
        for trailer in show.trailers:
            _el(
                channel,
                "trailer",
                trailer.title,
                pubdate=format_datetime(trailer.published_at),
                url=trailer.url,
                length=trailer.length,
                type_=trailer.mime_type,
                season=trailer.season,
            )
        if show.podroll:
            podroll = _el(channel, "podroll")
            for item in show.podroll:
                _el(podroll, "remoteItem", feedGuid=item.feed_guid, feedUrl=item.feed_url)
        return feed


def _paging_links(channel: etree._Element, show: FeedShow) -> None:
    """RFC 5005 section 3: first/last/next/previous on every page of a paged feed."""
    pages = show.pages
    if pages is None:
        return
    for rel, href in (
        ("first", pages.first),
        ("last", pages.last),
        ("next", pages.next),
        ("previous", pages.previous),
    ):
        if href:
            xml_elem(f"{{{ATOM_NS}}}link", channel, rel=rel, href=href)


class PodcastIndexEntryExtension(BaseEntryExtension):
    """Item tags. Set ``episode`` before rendering; nothing is written without it."""

    def __init__(self) -> None:
        self.episode: FeedEpisode | None = None

    def extend_rss(self, entry: etree._Element) -> etree._Element:
        episode = self.episode
        if episode is None:
            return entry
        if episode.season_number is not None:
            _el(entry, "season", str(episode.season_number), name=episode.season_name)
        if episode.episode_number is not None:
            _el(entry, "episode", str(episode.episode_number))
        if episode.image_url:
            _el(entry, "image", href=episode.image_url)
        for person in episode.persons:
            _person(entry, person)
        _location(entry, episode.location)
        if episode.license:
            _el(entry, "license", episode.license)
        if episode.chapters_url:
            _el(entry, "chapters", url=episode.chapters_url, type_=CHAPTERS_MIME_TYPE)
        for transcript in episode.transcripts:
            _el(
                entry,
                "transcript",
                url=transcript.url,
                type_=transcript.mime_type,
                language=transcript.language,
                rel=transcript.rel,
            )
        for bite in episode.soundbites:
            _el(
                entry,
                "soundbite",
                bite.title,
                startTime=_seconds(bite.start_seconds),
                duration=_seconds(bite.duration_seconds),
            )
        for alternate in episode.alternate_enclosures:
            element = _el(
                entry,
                "alternateEnclosure",
                type_=alternate.mime_type,
                length=alternate.length,
                bitrate=alternate.bitrate,
                title=alternate.title,
                codecs=alternate.codecs or None,
                default=True if alternate.default else None,
            )
            _el(element, "source", uri=alternate.url)
        return entry
