"""Feed health: check rendered feed bytes against Apple's and the Podcast Index's rules.

``lint_feed`` returns findings rather than raising, so the studio and the CLI
can show all problems at once. Facts the XML cannot tell (the real artwork, the
stored file sizes) come in through ``LintContext``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree

from feeds.categories import is_valid_category
from feeds.notes import MAX_DESCRIPTION_BYTES

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
NS = {"itunes": ITUNES, "podcast": PODCAST, "atom": "http://www.w3.org/2005/Atom"}
ARTWORK_MIN, ARTWORK_MAX = 1400, 3000
ARTWORK_TYPES = {"image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}
ERROR, WARNING = "error", "warning"

# Every code lint_feed can emit; the studio words each one (a test checks this against the source).
CODES = (
    "not-xml",
    "not-rss",
    "missing-title",
    "missing-description",
    "missing-language",
    "missing-link",
    "missing-artwork",
    "missing-category",
    "missing-explicit",
    "missing-author",
    "missing-owner-email",
    "missing-podcast-guid",
    "missing-podcast-locked",
    "description-too-long",
    "invalid-category",
    "invalid-type",
    "artwork-unreadable",
    "artwork-type",
    "artwork-extension",
    "artwork-not-square",
    "artwork-size",
    "artwork-colour-mode",
    "episode-missing-title",
    "episode-missing-guid",
    "episode-missing-enclosure",
    "episode-description-too-long",
    "duplicate-guid",
    "duplicate-enclosure",
    "enclosure-missing-type",
    "enclosure-length-invalid",
    "enclosure-length",
    "non-ascii-url",
    "soundbite-invalid",
    "soundbite-past-end",
    "description-is-title",
    "author-is-title",
    "default-category",
    "placeholder-artwork",
    "no-episodes",
    "episode-description-is-title",
)


@dataclass(frozen=True)
class Finding:
    severity: str  # "error": apps or directories refuse it; "warning": it works but hurts
    code: str  # stable, one of CODES, for the studio to key its wording on
    message: str  # English, for the command line
    where: str = "channel"
    params: dict[str, str | int] = field(default_factory=dict)  # the values the message names


@dataclass(frozen=True)
class Artwork:
    """The real image behind an artwork URL, as read from storage."""

    width: int
    height: int
    mode: str
    mime_type: str


@dataclass
class LintContext:
    artwork: dict[str, Artwork | None] = field(
        default_factory=dict
    )  # URL -> image; None: unreadable
    stored_sizes: dict[str, int] = field(default_factory=dict)  # enclosure URL -> bytes stored
    # Stand-ins the feed cannot show as such: artwork URLs that are the placeholder image,
    # and a category the host filled in because nobody chose one.
    placeholder_artwork: set[str] = field(default_factory=set)
    default_category: str | None = None


def lint_feed(data: bytes, context: LintContext | None = None) -> list[Finding]:
    """Every finding for the feed; an empty list means healthy."""
    context = context or LintContext()
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        return [
            Finding(
                ERROR,
                "not-xml",
                f"The feed is not well-formed XML: {exc}",
                params={"error": str(exc)},
            )
        ]
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        return [Finding(ERROR, "not-rss", "The feed is not RSS 2.0 (no rss/channel).")]
    return [
        *_channel_findings(channel),
        *_artwork_findings(channel, context),
        *_stand_in_findings(channel, context),
        *_item_findings(channel, context),
        *_url_findings(root),
    ]


def _stand_in_findings(channel: etree._Element, context: LintContext) -> Iterator[Finding]:
    """What a host fills in so the feed is valid, but which only the producer can really
    give: a show with these is not ready for Apple Podcasts or Spotify, though it parses."""
    title = _first(channel, "title")
    if title and _first(channel, "description") == title:
        yield Finding(
            ERROR,
            "description-is-title",
            "The show has no description of its own: the feed repeats the title.",
        )
    if title and _first(channel, "itunes:author") == title:
        yield Finding(
            WARNING,
            "author-is-title",
            "The show's author is its title: the feed names no one who makes it.",
        )
    category = _first(channel, "itunes:category/@text")
    if context.default_category and category == context.default_category:
        yield Finding(
            WARNING,
            "default-category",
            f"The category {category} was filled in because none was chosen.",
            params={"category": category},
        )
    for url in _texts(channel, "itunes:image/@href"):
        if url in context.placeholder_artwork:
            yield Finding(
                ERROR,
                "placeholder-artwork",
                "The artwork is the host's placeholder image.",
                params={"url": url},
            )
    if channel.find("item") is None:
        yield Finding(
            ERROR,
            "no-episodes",
            "The feed has no episodes; directories accept a show once it has one.",
        )


def _first(element: etree._Element, path: str) -> str:
    texts = _texts(element, path)
    return texts[0] if texts else ""


# XPath in the channel -> (severity, code, tag name for the English message)
CHANNEL_TAGS = {
    "title": (ERROR, "missing-title", "title"),
    "description": (ERROR, "missing-description", "description"),
    "language": (ERROR, "missing-language", "language"),
    "link": (ERROR, "missing-link", "link"),
    "itunes:image/@href": (ERROR, "missing-artwork", "itunes:image"),
    "itunes:category/@text": (ERROR, "missing-category", "itunes:category"),
    "itunes:explicit": (ERROR, "missing-explicit", "itunes:explicit"),
    "itunes:author": (ERROR, "missing-author", "itunes:author"),
    "itunes:owner/itunes:email": (ERROR, "missing-owner-email", "itunes:owner email"),
    "podcast:guid": (WARNING, "missing-podcast-guid", "podcast:guid"),
    "podcast:locked": (WARNING, "missing-podcast-locked", "podcast:locked"),
}


def _channel_findings(channel: etree._Element) -> Iterator[Finding]:
    for path, (severity, code, name) in CHANNEL_TAGS.items():
        if not _texts(channel, path):
            yield Finding(severity, code, f"The channel has no {name}.", params={"tag": name})
    yield from _description_finding(channel, "description-too-long", "channel", {})
    for category in channel.iterfind("itunes:category", NS):
        subs = [sub.get("text") for sub in category.iterfind("itunes:category", NS)] or [None]
        for sub in subs:
            if not is_valid_category(category.get("text") or "", sub):
                name = category.get("text") + (f" / {sub}" if sub else "")
                yield Finding(
                    ERROR,
                    "invalid-category",
                    f"“{name}” is not an Apple category.",
                    params={"category": name},
                )
    kind = _texts(channel, "itunes:type")
    if kind and kind[0] not in ("episodic", "serial"):
        yield Finding(
            ERROR,
            "invalid-type",
            f"itunes:type must be episodic or serial: {kind[0]}",
            params={"type": kind[0]},
        )


def _description_finding(
    element: etree._Element, code: str, where: str, params: dict[str, str | int]
) -> Iterator[Finding]:
    text = element.findtext("description") or ""
    size = len(text.encode())
    if size > MAX_DESCRIPTION_BYTES:
        yield Finding(
            ERROR,
            code,
            f"The description is {size} bytes; Apple allows {MAX_DESCRIPTION_BYTES}.",
            where,
            {**params, "size": size, "limit": MAX_DESCRIPTION_BYTES},
        )


def artwork_problems(image: Artwork | None, url: str = "") -> list[str]:
    """Apple's artwork rules, as sentences; the studio uses them on upload too."""
    return [finding.message for finding in artwork_findings(image, url)]


def artwork_findings(image: Artwork | None, url: str = "") -> list[Finding]:
    """Apple's artwork rules: JPEG or PNG, square, 1400 to 3000 px, RGB."""
    if image is None:
        return [Finding(ERROR, "artwork-unreadable", "The artwork cannot be read as an image.")]
    size: dict[str, str | int] = {"width": image.width, "height": image.height}
    problems = []
    if image.mime_type not in ARTWORK_TYPES:
        problems.append(
            Finding(
                ERROR,
                "artwork-type",
                f"The artwork is {image.mime_type}; Apple takes JPEG or PNG.",
                params={"type": image.mime_type},
            )
        )
    elif url and not urlsplit(url).path.lower().endswith(ARTWORK_TYPES[image.mime_type]):
        problems.append(
            Finding(
                ERROR,
                "artwork-extension",
                f"The artwork's file extension does not match its type {image.mime_type}.",
                params={"type": image.mime_type, "url": url},
            )
        )
    if image.width != image.height:
        problems.append(
            Finding(
                ERROR,
                "artwork-not-square",
                f"The artwork is {image.width}×{image.height} px; it must be square.",
                params=size,
            )
        )
    small, large = sorted((image.width, image.height))
    if small < ARTWORK_MIN or large > ARTWORK_MAX:
        problems.append(
            Finding(
                ERROR,
                "artwork-size",
                f"The artwork is {image.width}×{image.height} px; "
                f"Apple needs {ARTWORK_MIN} to {ARTWORK_MAX} px.",
                params={**size, "min": ARTWORK_MIN, "max": ARTWORK_MAX},
            )
        )
    if image.mode != "RGB":
        problems.append(
            Finding(
                ERROR,
                "artwork-colour-mode",
                f"The artwork's colour mode is {image.mode}; Apple needs RGB.",
                params={"mode": image.mode},
            )
        )
    return problems


def _artwork_findings(channel: etree._Element, context: LintContext) -> Iterator[Finding]:
    for url in _texts(channel, "itunes:image/@href"):
        if url in context.artwork:
            yield from artwork_findings(context.artwork[url], url)


def _item_findings(channel: etree._Element, context: LintContext) -> Iterator[Finding]:
    items = channel.findall("item")
    guids = Counter(item.findtext("guid") for item in items if item.findtext("guid"))
    urls = Counter(e.get("url") for item in items for e in item.iterfind("enclosure"))
    for number, item in enumerate(items, start=1):
        title, guid = item.findtext("title") or "", item.findtext("guid") or ""
        where = f"item {number}: {title or '(no title)'}"
        # The episode as a producer knows it: its title, else its guid, else its place.
        episode: dict[str, str | int] = {
            "number": number,
            "episode": title or guid or f"#{number}",
            "guid": guid,
        }
        if not title:
            yield Finding(
                ERROR, "episode-missing-title", "The episode has no title.", where, episode
            )
        if not guid:
            yield Finding(ERROR, "episode-missing-guid", "The episode has no guid.", where, episode)
        elif guids[guid] > 1:
            yield Finding(
                ERROR, "duplicate-guid", "Another episode has the same guid.", where, episode
            )
        yield from _description_finding(item, "episode-description-too-long", where, episode)
        if title and (item.findtext("description") or "").strip() == title.strip():
            yield Finding(
                WARNING,
                "episode-description-is-title",
                "The episode has no description of its own: the feed repeats its title.",
                where,
                episode,
            )
        yield from _soundbite_findings(item, where, episode)
        enclosure = item.find("enclosure")
        if enclosure is None or not enclosure.get("url"):
            yield Finding(
                ERROR, "episode-missing-enclosure", "The episode has no enclosure.", where, episode
            )
            continue
        yield from _enclosure_findings(enclosure, urls, context, where, episode)


def _enclosure_findings(
    enclosure: etree._Element,
    urls: Counter,
    context: LintContext,
    where: str,
    episode: dict[str, str | int],
) -> Iterator[Finding]:
    url = enclosure.get("url") or ""
    params = {**episode, "url": url}
    if urls[url] > 1:
        yield Finding(
            ERROR, "duplicate-enclosure", "Another episode has the same audio URL.", where, params
        )
    if not enclosure.get("type"):
        yield Finding(ERROR, "enclosure-missing-type", "The enclosure has no type.", where, params)
    length = enclosure.get("length") or ""
    if not length.isdigit() or int(length) <= 0:
        yield Finding(
            ERROR,
            "enclosure-length-invalid",
            f"The enclosure length is {length!r}.",
            where,
            {**params, "length": length},
        )
    elif url in context.stored_sizes and int(length) != context.stored_sizes[url]:
        yield Finding(
            ERROR,
            "enclosure-length",
            f"The enclosure says {length} bytes but the stored file has "
            f"{context.stored_sizes[url]}.",
            where,
            {**params, "length": int(length), "stored": context.stored_sizes[url]},
        )


def _soundbite_findings(
    item: etree._Element, where: str, episode: dict[str, str | int]
) -> Iterator[Finding]:
    """Apps play a soundbite by seeking into the audio: one that does not fit plays silence.

    ``itunes:duration`` is rounded to whole seconds, so a bite may end up to a second past it.
    """
    total = _seconds(item.findtext("itunes:duration", namespaces=NS))
    for bite in item.iterfind("podcast:soundbite", NS):
        start, length = _seconds(bite.get("startTime")), _seconds(bite.get("duration"))
        params = {
            **episode,
            "start": bite.get("startTime") or "",
            "length": bite.get("duration") or "",
        }
        if start is None or length is None or start < 0 or length <= 0:
            yield Finding(
                ERROR,
                "soundbite-invalid",
                f"A soundbite has start {params['start']!r} and duration {params['length']!r}.",
                where,
                params,
            )
        elif total is not None and start + length > total + 1:
            yield Finding(
                WARNING,
                "soundbite-past-end",
                f"A soundbite ends at {start + length:g} s, after the audio's {total:g} s.",
                where,
                {**params, "end": f"{start + length:g}", "duration": f"{total:g}"},
            )


def _seconds(text: str | None) -> float | None:
    """Seconds as the feed writes them (``12.5``), or ``HH:MM:SS`` as some feeds do."""
    if not text:
        return None
    try:
        parts = [float(part) for part in text.strip().split(":")]
    except ValueError:
        return None
    if len(parts) > 3 or any(part != part for part in parts):  # NaN is no time
        return None
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


def _url_findings(root: etree._Element) -> Iterator[Finding]:
    """Apple and many apps fail on URLs with raw non-ASCII characters: they must be encoded."""
    seen = set()
    for element in root.iter():
        for name in ("url", "href", "uri"):
            value = element.get(name)
            if value and not value.isascii() and value not in seen:
                seen.add(value)
                yield _non_ascii_url(value)
    for link in root.iter("link"):
        if link.text and not link.text.isascii() and link.text not in seen:
            seen.add(link.text)
            yield _non_ascii_url(link.text)


def _non_ascii_url(url: str) -> Finding:
    return Finding(
        ERROR, "non-ascii-url", f"The URL {url} has non-ASCII characters.", params={"url": url}
    )


def _texts(element: etree._Element, path: str) -> list[str]:
    return [
        str(v).strip()
        for v in element.xpath(path + ("" if "@" in path else "/text()"), namespaces=NS)
        if str(v).strip()
    ]
