"""Reading a podcast feed someone else published, safely, into plain data.

The importer's input is hostile by default, so the XML parser expands no
entities, loads no DTD, touches no network and refuses huge trees; a document
that declares entities (billion laughs, XXE) is refused outright, because no
podcast feed needs them. Everything else is read leniently, the way podcast
apps read feeds: unknown tags are ignored, URLs are made absolute against the
feed's address, and a missing value is None, never a guess.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from feeds.model import Location, Person, TranscriptLink

__all__ = [
    "FeedParseError",
    "ForeignEpisode",
    "ForeignFeed",
    "ForeignPerson",
    "ForeignShow",
    "ForeignTranscript",
    "episode_from_dict",
    "episode_to_dict",
    "parse_duration",
    "parse_feed",
    "parse_pub_date",
]

_NAMESPACES = {
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "https://podcastindex.org/namespace/1.0": "podcast",
    "https://github.com/podcastindex-org/podcast-namespace/blob/main/docs/1.0.md": "podcast",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://www.w3.org/2005/atom": "atom",
}
_TRUE = {"yes", "true", "explicit", "1"}
_FALSE = {"no", "false", "clean", "0"}


_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_ENTITIES_REFUSED = (
    "The feed declares XML entities in a DOCTYPE. Podcast feeds never need them, "
    "and they are a known way to attack servers (billion laughs, external "
    "entities), so the feed was refused."
)


class FeedParseError(ValueError):
    """The document is not a feed we can import; the message says why, for a producer.

    ``code`` is for programs (the studio words it in the user's language): "not_xml",
    "entities", "not_rss", "no_channel", "no_title".
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


# A foreign feed's persons, transcripts and location have the shape of our own
# feed's, so they are the same types; the names say where the values came from.
ForeignPerson = Person
ForeignTranscript = TranscriptLink
ForeignLocation = Location


@dataclass(frozen=True)
class ForeignEpisode:
    """One <item> as its host published it. ``guid`` is the text verbatim, or None."""

    guid: str | None
    title: str
    description: str = ""  # as published: plain text or HTML
    content_html: str | None = None  # content:encoded, unsanitized
    published_at: datetime | None = None
    duration_seconds: float | None = None
    enclosure_url: str | None = None
    enclosure_type: str | None = None
    enclosure_length: int | None = None
    explicit: bool | None = None
    itunes_title: str | None = None
    episode_number: int | None = None
    season_number: int | None = None
    season_name: str | None = None
    episode_type: str = "full"
    block: bool = False
    image_url: str | None = None
    chapters_url: str | None = None
    transcripts: tuple[ForeignTranscript, ...] = ()
    persons: tuple[ForeignPerson, ...] = ()
    location: ForeignLocation | None = None
    license: str | None = None
    soundbites: tuple[tuple[float, float, str | None], ...] = ()


@dataclass(frozen=True)
class ForeignShow:
    """The <channel> as its host published it."""

    title: str
    description: str = ""
    language: str | None = None
    link: str | None = None
    author: str | None = None
    owner_name: str | None = None
    owner_email: str | None = None
    categories: tuple[tuple[str, str | None], ...] = ()
    explicit: bool = False
    copyright: str | None = None
    image_url: str | None = None
    itunes_title: str | None = None
    itunes_type: str = "episodic"
    complete: bool = False
    block: bool = False
    new_feed_url: str | None = None
    self_url: str | None = None
    podcast_guid: str | None = None
    locked: bool = False
    locked_owner: str | None = None
    medium: str | None = None
    license: str | None = None
    funding: tuple[tuple[str, str], ...] = ()  # (url, text)
    txts: tuple[tuple[str, str | None], ...] = ()  # (text, purpose)
    persons: tuple[ForeignPerson, ...] = ()
    location: ForeignLocation | None = None
    update_frequency: str | None = None  # the rrule
    update_frequency_text: str | None = None
    podroll: tuple[tuple[str, str | None], ...] = ()  # (feed guid, feed url)


@dataclass(frozen=True)
class ForeignFeed:
    show: ForeignShow
    episodes: tuple[ForeignEpisode, ...]


def parse_feed(data: bytes, base_url: str | None = None) -> ForeignFeed:
    """Parse RSS 2.0 bytes; relative URLs are resolved against ``base_url``.

    :raise FeedParseError: for a document that is not XML, declares entities,
        or is not an RSS feed with a channel.
    """
    root = _parse_xml(data)
    if _local(root) != "rss":
        raise FeedParseError("This is XML, but not an RSS feed (no <rss> element).", "not_rss")
    channel = next((c for c in root if _local(c) == "channel"), None)
    if channel is None:
        raise FeedParseError("The feed has no <channel>.", "no_channel")
    reader = _Reader(base_url)
    show = reader.show(channel)
    episodes = tuple(reader.episode(item, show.language) for item in _all(channel, "", "item"))
    return ForeignFeed(show=show, episodes=episodes)


def _parse_xml(data: bytes) -> etree._Element:
    """The root element, parsed with every dangerous feature of XML off.

    Entity declarations are refused before parsing (a cheap look at the prolog)
    and again after it (the DTD lxml saw), so neither check alone must be perfect.

    :raise FeedParseError: for malformed XML and for any entity declaration.
    """
    if _ENTITY_DECLARATION.search(data[: data.find(b"<rss")] if b"<rss" in data else data):
        raise FeedParseError(_ENTITIES_REFUSED, "entities")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as exc:
        raise FeedParseError(f"The feed is not well-formed XML: {exc}.", "not_xml") from None
    dtd = tree.docinfo.internalDTD
    if dtd is not None and (list(dtd.entities()) or list(dtd.iterentities())):
        raise FeedParseError(_ENTITIES_REFUSED, "entities")
    # Undefined entities (&nbsp; in an old RSS 0.91 feed) stay unexpanded nodes: harmless.
    return tree.getroot()


def _ns(element: etree._Element) -> str:
    """Short name of the element's namespace: "", "itunes", "podcast", "content", "atom"."""
    qname = etree.QName(element)
    if not qname.namespace:
        return ""
    return _NAMESPACES.get(qname.namespace.lower(), qname.namespace)


def _local(element: etree._Element) -> str:
    if not isinstance(element.tag, str):
        return ""
    return etree.QName(element).localname


def _all(parent: etree._Element, ns: str, name: str) -> list[etree._Element]:
    return [c for c in parent if isinstance(c.tag, str) and _local(c) == name and _ns(c) == ns]


def _first(parent: etree._Element, ns: str, name: str) -> etree._Element | None:
    found = _all(parent, ns, name)
    return found[0] if found else None


def _text(parent: etree._Element, ns: str, name: str) -> str | None:
    """The element's text (CDATA included), stripped; None when absent or empty."""
    element = _first(parent, ns, name)
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


def _bool(value: str | None) -> bool | None:
    if value is None:
        return None
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def _int(value: str | None) -> int | None:
    """Whole numbers only; "3", " 03 " -> 3; "3a", "-1" -> None."""
    if value is None:
        return None
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def parse_duration(value: str | None) -> float | None:
    """itunes:duration as seconds: "1:02:03", "62:03", "3723", "3723.5" all work.

    >>> parse_duration("1:02:03")
    3723.0
    >>> parse_duration("soon") is None
    True
    """
    if not value:
        return None
    parts = value.strip().split(":")
    if len(parts) > 3:
        return None
    total = 0.0
    for part in parts:
        try:
            number = float(part)
        except ValueError:
            return None
        if number < 0 or number != number:
            return None
        total = total * 60 + number
    return total


def parse_pub_date(value: str | None) -> datetime | None:
    """RFC 822 dates as RSS wants them, and ISO 8601 as some hosts write them; always UTC.

    >>> parse_pub_date("Wed, 01 May 2024 06:00:00 +0200").isoformat()
    '2024-05-01T04:00:00+00:00'
    """
    if not value:
        return None
    value = value.strip()
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class _Reader:
    """Maps channel and item elements onto the dataclasses, resolving URLs on the way."""

    def __init__(self, base_url: str | None) -> None:
        self.base_url = base_url

    def url(self, value: str | None) -> str | None:
        """Absolute when possible; a relative URL with no base stays relative (and fails later)."""
        if not value or not value.strip():
            return None
        value = value.strip()
        if self.base_url and not urlsplit(value).scheme:
            return urljoin(self.base_url, value)
        return value

    def attr_url(self, element: etree._Element | None, name: str = "href") -> str | None:
        return None if element is None else self.url(element.get(name))

    def show(self, channel: etree._Element) -> ForeignShow:
        title = _text(channel, "", "title") or _text(channel, "itunes", "title")
        if not title:
            raise FeedParseError("The feed's channel has no title.", "no_title")
        owner = _first(channel, "itunes", "owner")
        locked = _first(channel, "podcast", "locked")
        frequency = _first(channel, "podcast", "updateFrequency")
        return ForeignShow(
            title=title,
            description=_text(channel, "", "description")
            or _text(channel, "itunes", "summary")
            or "",
            language=_text(channel, "", "language"),
            link=self.url(_text(channel, "", "link")),
            author=_text(channel, "itunes", "author"),
            owner_name=_text(owner, "itunes", "name") if owner is not None else None,
            owner_email=_text(owner, "itunes", "email") if owner is not None else None,
            categories=self.categories(channel),
            explicit=bool(_bool(_text(channel, "itunes", "explicit"))),
            copyright=_text(channel, "", "copyright"),
            image_url=self.image(channel),
            itunes_title=_text(channel, "itunes", "title"),
            itunes_type=_text(channel, "itunes", "type") or "episodic",
            complete=bool(_bool(_text(channel, "itunes", "complete"))),
            block=bool(_bool(_text(channel, "itunes", "block"))),
            new_feed_url=self.url(_text(channel, "itunes", "new-feed-url")),
            self_url=next(
                (
                    self.url(link.get("href"))
                    for link in _all(channel, "atom", "link")
                    if link.get("rel") == "self" and link.get("href")
                ),
                None,
            ),
            podcast_guid=_text(channel, "podcast", "guid"),
            locked=bool(_bool(_text(channel, "podcast", "locked"))),
            locked_owner=locked.get("owner") if locked is not None else None,
            medium=_text(channel, "podcast", "medium"),
            license=_text(channel, "podcast", "license"),
            funding=tuple(
                (self.url(f.get("url")) or "", "".join(f.itertext()).strip())
                for f in _all(channel, "podcast", "funding")
                if f.get("url")
            ),
            txts=tuple(
                ("".join(t.itertext()).strip(), t.get("purpose"))
                for t in _all(channel, "podcast", "txt")
                if "".join(t.itertext()).strip()
            ),
            persons=self.persons(channel),
            location=self.location(channel),
            update_frequency=frequency.get("rrule") if frequency is not None else None,
            update_frequency_text=_text(channel, "podcast", "updateFrequency"),
            podroll=self.podroll(channel),
        )

    def categories(self, channel: etree._Element) -> tuple[tuple[str, str | None], ...]:
        """Apple's (category, subcategory) pairs in order; a bare category has None."""
        found: list[tuple[str, str | None]] = []
        for category in _all(channel, "itunes", "category"):
            name = (category.get("text") or "").strip()
            if not name:
                continue
            subs = [
                (sub.get("text") or "").strip()
                for sub in _all(category, "itunes", "category")
                if (sub.get("text") or "").strip()
            ]
            if subs:
                found.extend((name, sub) for sub in subs)
            else:
                found.append((name, None))
        return tuple(found)

    def image(self, parent: etree._Element) -> str | None:
        """itunes:image wins over RSS <image><url> and podcast:image, as in Apple's apps."""
        itunes = self.attr_url(_first(parent, "itunes", "image"))
        if itunes:
            return itunes
        rss_image = _first(parent, "", "image")
        if rss_image is not None and _text(rss_image, "", "url"):
            return self.url(_text(rss_image, "", "url"))
        return self.attr_url(_first(parent, "podcast", "image"))

    def persons(self, parent: etree._Element) -> tuple[ForeignPerson, ...]:
        found = []
        for person in _all(parent, "podcast", "person"):
            name = "".join(person.itertext()).strip()
            if name:
                found.append(
                    ForeignPerson(
                        name=name,
                        role=person.get("role"),
                        group=person.get("group"),
                        img=self.url(person.get("img")),
                        href=self.url(person.get("href")),
                    )
                )
        return tuple(found)

    def location(self, parent: etree._Element) -> ForeignLocation | None:
        element = _first(parent, "podcast", "location")
        name = "".join(element.itertext()).strip() if element is not None else ""
        if not name:
            return None
        return ForeignLocation(name=name, geo=element.get("geo"), osm=element.get("osm"))

    def podroll(self, channel: etree._Element) -> tuple[tuple[str, str | None], ...]:
        podroll = _first(channel, "podcast", "podroll")
        if podroll is None:
            return ()
        return tuple(
            (item.get("feedGuid"), item.get("feedUrl"))
            for item in _all(podroll, "podcast", "remoteItem")
            if item.get("feedGuid")
        )

    def episode(self, item: etree._Element, show_language: str | None) -> ForeignEpisode:
        enclosure = _first(item, "", "enclosure")
        season = _first(item, "podcast", "season")
        guid_element = _first(item, "", "guid")
        guid = "".join(guid_element.itertext()).strip() if guid_element is not None else ""
        chapters = _first(item, "podcast", "chapters")
        return ForeignEpisode(
            guid=guid or None,
            title=_text(item, "", "title") or _text(item, "itunes", "title") or "",
            description=_text(item, "", "description") or _text(item, "itunes", "summary") or "",
            content_html=_text(item, "content", "encoded"),
            published_at=parse_pub_date(_text(item, "", "pubDate")),
            duration_seconds=parse_duration(_text(item, "itunes", "duration")),
            enclosure_url=self.attr_url(enclosure, "url"),
            enclosure_type=enclosure.get("type") if enclosure is not None else None,
            enclosure_length=_int(enclosure.get("length")) if enclosure is not None else None,
            explicit=_bool(_text(item, "itunes", "explicit")),
            itunes_title=_text(item, "itunes", "title"),
            episode_number=_int(_text(item, "itunes", "episode"))
            if _first(item, "itunes", "episode") is not None
            else _int(_text(item, "podcast", "episode")),
            season_number=_int(_text(item, "itunes", "season"))
            if _first(item, "itunes", "season") is not None
            else _int(_text(item, "podcast", "season")),
            season_name=season.get("name") if season is not None else None,
            episode_type=(_text(item, "itunes", "episodeType") or "full").lower(),
            block=bool(_bool(_text(item, "itunes", "block"))),
            image_url=self.attr_url(_first(item, "itunes", "image"))
            or self.attr_url(_first(item, "podcast", "image")),
            chapters_url=self.attr_url(chapters, "url"),
            transcripts=tuple(
                ForeignTranscript(
                    url=self.url(t.get("url")) or "",
                    mime_type=(t.get("type") or "").strip().lower(),
                    language=t.get("language") or show_language,
                    rel=t.get("rel"),
                )
                for t in _all(item, "podcast", "transcript")
                if t.get("url")
            ),
            persons=self.persons(item),
            location=self.location(item),
            license=_text(item, "podcast", "license"),
            soundbites=self.soundbites(item),
        )

    def soundbites(self, item: etree._Element) -> tuple[tuple[float, float, str | None], ...]:
        found = []
        for bite in _all(item, "podcast", "soundbite"):
            start = parse_duration(bite.get("startTime"))
            length = parse_duration(bite.get("duration"))
            if start is not None and length is not None:
                found.append((start, length, "".join(bite.itertext()).strip() or None))
        return tuple(found)


# --- JSON round trip: the importer keeps each parsed item in its job row ---------


def episode_to_dict(episode: ForeignEpisode) -> dict[str, Any]:
    """Plain JSON-ready values; datetimes as ISO 8601 strings."""
    data = dataclasses.asdict(episode)
    if episode.published_at is not None:
        data["published_at"] = episode.published_at.isoformat()
    return data


def episode_from_dict(data: dict[str, Any]) -> ForeignEpisode:
    """The inverse of :func:`episode_to_dict`."""
    values = dict(data)
    if values.get("published_at"):
        values["published_at"] = datetime.fromisoformat(values["published_at"])
    values["transcripts"] = tuple(ForeignTranscript(**t) for t in values.get("transcripts", ()))
    values["persons"] = tuple(ForeignPerson(**p) for p in values.get("persons", ()))
    if values.get("location"):
        values["location"] = ForeignLocation(**values["location"])
    values["soundbites"] = tuple(tuple(b) for b in values.get("soundbites", ()))
    return ForeignEpisode(**values)


_HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")


def looks_like_html(text: str) -> bool:
    """Whether a description is HTML (Libsyn and Anchor put show notes there).

    >>> looks_like_html("<p>Hello</p>"), looks_like_html("1 < 2 and 3 > 2")
    (True, False)
    """
    return bool(_HTML_TAG.search(text))
