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


@dataclass(frozen=True)
class Finding:
    severity: str  # "error": apps or directories refuse it; "warning": it works but hurts
    code: str  # stable, for the studio to key help texts on
    message: str
    where: str = "channel"


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


def lint_feed(data: bytes, context: LintContext | None = None) -> list[Finding]:
    """Every finding for the feed; an empty list means healthy."""
    context = context or LintContext()
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        return [Finding(ERROR, "not-xml", f"The feed is not well-formed XML: {exc}")]
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        return [Finding(ERROR, "not-rss", "The feed is not RSS 2.0 (no rss/channel).")]
    return [
        *_channel_findings(channel),
        *_artwork_findings(channel, context),
        *_item_findings(channel, context),
        *_url_findings(root),
    ]


def _channel_findings(channel: etree._Element) -> Iterator[Finding]:
    required = {
        "title": "title",
        "description": "description",
        "language": "language",
        "link": "link",
        "itunes:image/@href": "itunes:image",
        "itunes:category/@text": "itunes:category",
        "itunes:explicit": "itunes:explicit",
        "itunes:author": "itunes:author",
        "itunes:owner/itunes:email": "itunes:owner email",
    }
    for path, name in required.items():
        if not _texts(channel, path):
            yield Finding(ERROR, "missing-tag", f"The channel has no {name}.")
    for path, name in {"podcast:guid": "podcast:guid", "podcast:locked": "podcast:locked"}.items():
        if not _texts(channel, path):
            yield Finding(WARNING, "missing-podcast-tag", f"The channel has no {name}.")
    yield from _description_finding(channel, "channel")
    for category in channel.iterfind("itunes:category", NS):
        subs = [sub.get("text") for sub in category.iterfind("itunes:category", NS)] or [None]
        for sub in subs:
            if not is_valid_category(category.get("text") or "", sub):
                name = category.get("text") + (f" / {sub}" if sub else "")
                yield Finding(ERROR, "invalid-category", f"“{name}” is not an Apple category.")
    kind = _texts(channel, "itunes:type")
    if kind and kind[0] not in ("episodic", "serial"):
        yield Finding(ERROR, "invalid-type", f"itunes:type must be episodic or serial: {kind[0]}")


def _description_finding(element: etree._Element, where: str) -> Iterator[Finding]:
    text = element.findtext("description") or ""
    size = len(text.encode())
    if size > MAX_DESCRIPTION_BYTES:
        yield Finding(
            ERROR,
            "description-too-long",
            f"The description is {size} bytes; Apple allows {MAX_DESCRIPTION_BYTES}.",
            where,
        )


def artwork_problems(image: Artwork | None, url: str = "") -> list[str]:
    """Apple's artwork rules, as sentences; the studio uses them on upload too."""
    if image is None:
        return ["The artwork cannot be read as an image."]
    problems = []
    if image.mime_type not in ARTWORK_TYPES:
        problems.append(f"The artwork is {image.mime_type}; Apple takes JPEG or PNG.")
    elif url and not urlsplit(url).path.lower().endswith(ARTWORK_TYPES[image.mime_type]):
        problems.append(f"The artwork's file extension does not match its type {image.mime_type}.")
    if image.width != image.height:
        problems.append(f"The artwork is {image.width}×{image.height} px; it must be square.")
    small, large = sorted((image.width, image.height))
    if small < ARTWORK_MIN or large > ARTWORK_MAX:
        problems.append(
            f"The artwork is {image.width}×{image.height} px; "
            f"Apple needs {ARTWORK_MIN} to {ARTWORK_MAX} px."
        )
    if image.mode != "RGB":
        problems.append(f"The artwork's colour mode is {image.mode}; Apple needs RGB.")
    return problems


def _artwork_findings(channel: etree._Element, context: LintContext) -> Iterator[Finding]:
    for url in _texts(channel, "itunes:image/@href"):
        if url in context.artwork:
            for problem in artwork_problems(context.artwork[url], url):
                yield Finding(ERROR, "artwork", problem)


def _item_findings(channel: etree._Element, context: LintContext) -> Iterator[Finding]:
    items = channel.findall("item")
    guids = Counter(item.findtext("guid") for item in items if item.findtext("guid"))
    urls = Counter(e.get("url") for item in items for e in item.iterfind("enclosure"))
    for number, item in enumerate(items, start=1):
        where = f"item {number}: {item.findtext('title') or '(no title)'}"
        if not item.findtext("title"):
            yield Finding(ERROR, "missing-tag", "The episode has no title.", where)
        if not item.findtext("guid"):
            yield Finding(ERROR, "missing-tag", "The episode has no guid.", where)
        elif guids[item.findtext("guid")] > 1:
            yield Finding(ERROR, "duplicate-guid", "Another episode has the same guid.", where)
        yield from _description_finding(item, where)
        enclosure = item.find("enclosure")
        if enclosure is None or not enclosure.get("url"):
            yield Finding(ERROR, "missing-tag", "The episode has no enclosure.", where)
            continue
        yield from _enclosure_findings(enclosure, urls, context, where)


def _enclosure_findings(
    enclosure: etree._Element, urls: Counter, context: LintContext, where: str
) -> Iterator[Finding]:
    url = enclosure.get("url")
    if urls[url] > 1:
        yield Finding(
            ERROR, "duplicate-enclosure", "Another episode has the same audio URL.", where
        )
    if not enclosure.get("type"):
        yield Finding(ERROR, "missing-tag", "The enclosure has no type.", where)
    length = enclosure.get("length") or ""
    if not length.isdigit() or int(length) <= 0:
        yield Finding(ERROR, "enclosure-length", f"The enclosure length is {length!r}.", where)
    elif url in context.stored_sizes and int(length) != context.stored_sizes[url]:
        yield Finding(
            ERROR,
            "enclosure-length",
            f"The enclosure says {length} bytes but the stored file has "
            f"{context.stored_sizes[url]}.",
            where,
        )


def _url_findings(root: etree._Element) -> Iterator[Finding]:
    """Apple and many apps fail on URLs with raw non-ASCII characters: they must be encoded."""
    seen = set()
    for element in root.iter():
        for name in ("url", "href", "uri"):
            value = element.get(name)
            if value and not value.isascii() and value not in seen:
                seen.add(value)
                yield Finding(ERROR, "non-ascii-url", f"The URL {value} has non-ASCII characters.")
    for link in root.iter("link"):
        if link.text and not link.text.isascii() and link.text not in seen:
            seen.add(link.text)
            yield Finding(ERROR, "non-ascii-url", f"The URL {link.text} has non-ASCII characters.")


def _texts(element: etree._Element, path: str) -> list[str]:
    return [
        str(v).strip()
        for v in element.xpath(path + ("" if "@" in path else "/text()"), namespaces=NS)
        if str(v).strip()
    ]
