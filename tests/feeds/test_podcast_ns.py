"""The full feed: every iTunes and Podcasting 2.0 tag, read back and checked against the XSD.

podcastparser reads the podcast namespace only under its old GitHub URI, so it
checks the core and itunes fields; the podcast: tags are read with lxml and
validated against the Podcast Index schema in shared/specs.
"""

from __future__ import annotations

import io
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree

from feeds.guid import podcast_guid
from feeds.model import (
    AlternateEnclosure,
    Funding,
    Location,
    PageLinks,
    Person,
    PodrollItem,
    Soundbite,
    Trailer,
    TranscriptLink,
    Txt,
)
from feeds.notes import plain_text, sanitize_notes
from feeds.rss import render_feed
from tests.feeds.test_rss import NOW, make_episode, make_show

FULL_GOLDEN = Path(__file__).parent / "data" / "full.xml"
REPO = Path(__file__).resolve().parents[2]
# A copy of shared/specs/podcast-namespace (see its SOURCE.txt), so any checkout can run it.
SPEC_DIR = Path(__file__).parent / "data" / "podcast-namespace"
PODCAST = "https://podcastindex.org/namespace/1.0"
NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": PODCAST,
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}


def full_show():
    return make_show(
        podcast_guid=podcast_guid("https://podd.example.se/kommunpodden/feed.xml"),
        itunes_title="Kommunpodden",
        itunes_type="serial",
        complete=False,
        block=False,
        new_feed_url=None,
        locked=True,
        funding=(Funding(url="https://malmo.se/stod", text="Stöd Malmö stads poddar"),),
        persons=(
            Person("Åsa Öberg", role="host", group="cast", img="https://p.example/asa.jpg"),
            Person("Lars Ek", role="producer", group="audio post-production"),
        ),
        location=Location("Rosengård, Malmö", geo="geo:55.5833,13.0333", osm="R935416"),
        trailers=(
            Trailer(
                title="Säsong 1 trailer",
                url="https://podd.example.se/media/trailer.mp3",
                published_at=datetime(2025, 4, 1, 8, tzinfo=UTC),
                length=123456,
                mime_type="audio/mpeg",
                season=1,
            ),
        ),
        license="cc-by-4.0",
        medium="podcast",
        txts=(Txt("podhost-verify-123", purpose="verify"),),
        update_frequency="FREQ=WEEKLY",
        update_frequency_text="Varje vecka",
        podroll=(PodrollItem("917393e3-1b1e-5cef-ace4-edaa54e1f810"),),
        websub_hub="https://pubsubhubbub.appspot.com/",
    )


def full_episode():
    notes = '<p>Vi besöker <a href="https://malmo.se">Rosengård</a> &amp; pratar.</p>'
    return make_episode(
        1,
        datetime(2025, 5, 1, 8, tzinfo=UTC),
        title="Rosengård",
        description=plain_text(notes),
        content_html=sanitize_notes(notes),
        itunes_title="Rosengård",
        episode_number=3,
        season_number=1,
        season_name="Stadsdelarna",
        episode_type="full",
        persons=(Person("Amal Said", role="guest", href="https://example.org/amal"),),
        location=Location("Rosengård", geo="geo:55.5833,13.0333"),
        soundbites=(Soundbite(73.0, 60.0, "Om skolan"),),
        alternate_enclosures=(
            AlternateEnclosure(
                url="https://podd.example.se/media/kommunpodden/1.opus",
                length=4_000_000,
                mime_type="audio/opus",
                bitrate=64000,
                title="Opus",
            ),
        ),
        chapters_url="https://podd.example.se/kommunpodden/episodes/1/chapters.json",
        transcripts=(
            TranscriptLink("https://podd.example.se/t/1.sv.vtt", "text/vtt", "sv", "captions"),
            TranscriptLink("https://podd.example.se/t/1.en.srt", "application/x-subrip", "en"),
        ),
        image_url="https://podd.example.se/media/kommunpodden/artwork/1.jpg",
    )


def full_feed() -> bytes:
    return render_feed(full_show(), [full_episode()], now=NOW)


def test_guid_matches_the_spec_example():
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == (
        "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    )
    assert podcast_guid("http://mp3s.nashownotes.com/pc20rss.xml//") == (
        "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    )


def test_full_feed_matches_golden_file():
    """Regenerate with UPDATE_GOLDEN=1 and review the diff of tests/feeds/data/full.xml."""
    data = full_feed()
    if os.environ.get("UPDATE_GOLDEN") == "1":
        FULL_GOLDEN.write_bytes(data)
    assert data == FULL_GOLDEN.read_bytes()


def test_declared_podcast_tags_validate_against_the_xsd():
    """Every podcast: element the schema declares, in the channel and items, is valid.

    The schema covers only part of the namespace (no guid, medium, txt ...), so
    those are checked by the golden file and the lxml reads below instead.
    """
    schema = etree.XMLSchema(etree.parse(str(SPEC_DIR / "podcast-wrapper.xsd")))
    declared = {
        el.get("name")
        for el in etree.parse(str(SPEC_DIR / "podcast.xsd")).getroot()
        if el.tag == "{http://www.w3.org/2001/XMLSchema}element"
    }
    root = etree.fromstring(full_feed())
    wrapper = etree.Element(f"{{{PODCAST}}}test-wrapper", nsmap={"podcast": PODCAST})
    checked = set()
    for element in root.iter(f"{{{PODCAST}}}*"):
        name = etree.QName(element).localname
        if name in declared and element.getparent().tag in ("channel", "item"):
            wrapper.append(_copy(element))
            checked.add(name)
    assert schema.validate(wrapper), schema.error_log
    assert checked == {
        "locked",
        "funding",
        "person",
        "location",
        "season",
        "episode",
        "chapters",
        "transcript",
        "soundbite",
    }


def _copy(element):
    return etree.fromstring(etree.tostring(element))


def test_podcast_channel_tags_read_back():
    channel = etree.fromstring(full_feed()).find("channel")

    def values(path):
        return channel.xpath(path, namespaces=NS)

    assert values("podcast:guid/text()") == ["179bc05a-41d2-5335-9de6-6f63db454c4a"]
    assert values("podcast:locked/text()") == ["yes"]
    assert values("podcast:locked/@owner") == ["asa.oberg@example.se"]
    assert values("podcast:person/@role") == ["host", "producer"]
    assert values("podcast:location/@osm") == ["R935416"]
    assert values("podcast:trailer/@pubdate") == ["Tue, 01 Apr 2025 08:00:00 +0000"]
    assert values("podcast:license/text()") == ["cc-by-4.0"]
    assert values("podcast:medium/text()") == ["podcast"]
    assert values("podcast:txt[@purpose='verify']/text()") == ["podhost-verify-123"]
    assert values("podcast:updateFrequency/@rrule") == ["FREQ=WEEKLY"]
    assert values("podcast:podroll/podcast:remoteItem/@feedGuid") == [
        "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    ]
    assert values("podcast:image/@href") == [make_show().image_url]
    assert values("atom:link[@rel='hub']/@href") == ["https://pubsubhubbub.appspot.com/"]


def test_podcast_item_tags_read_back():
    item = etree.fromstring(full_feed()).find("channel/item")

    def values(path):
        return item.xpath(path, namespaces=NS)

    assert values("podcast:season/text()") == ["1"]
    assert values("podcast:season/@name") == ["Stadsdelarna"]
    assert values("podcast:episode/text()") == ["3"]
    assert values("podcast:soundbite/@startTime") == ["73.0"]
    assert values("podcast:chapters/@type") == ["application/json+chapters"]
    assert values("podcast:transcript/@language") == ["sv", "en"]
    assert values("podcast:alternateEnclosure/@type") == ["audio/opus"]
    assert values("podcast:alternateEnclosure/podcast:source/@uri") == [
        "https://podd.example.se/media/kommunpodden/1.opus"
    ]


def test_itunes_and_core_fields_in_podcastparser_and_feedparser():
    data = full_feed()
    parsed = podcastparser.parse(make_show().feed_url, io.BytesIO(data))
    assert parsed["type"] == "serial"
    episode = parsed["episodes"][0]
    assert episode["number"] == 3
    assert episode["season"] == 1
    assert episode["type"] == "full"
    assert episode["description"] == "Vi besöker Rosengård & pratar."
    assert 'href="https://malmo.se"' in episode["description_html"]
    feed = feedparser.parse(data)
    assert not feed.bozo, feed.bozo_exception
    entry = feed.entries[0]
    assert entry.itunes_episode == "3"
    assert entry.itunes_season == "1"
    assert entry.content[0].value.startswith("<p>Vi besöker <a href=")


def test_apple_channel_switches():
    show = replace(make_show(), complete=True, block=True, new_feed_url="https://new.example/f")
    channel = etree.fromstring(render_feed(show, [], now=NOW)).find("channel")
    assert channel.xpath("itunes:complete/text()", namespaces=NS) == ["yes"]
    assert channel.xpath("itunes:block/text()", namespaces=NS) == ["yes"]
    assert channel.xpath("podcast:block/text()", namespaces=NS) == ["yes"]
    assert channel.xpath("itunes:new-feed-url/text()", namespaces=NS) == ["https://new.example/f"]


@pytest.mark.parametrize("episode_type", ["full", "trailer", "bonus"])
def test_episode_type(episode_type):
    episode = make_episode(1, NOW, episode_type=episode_type)
    item = etree.fromstring(render_feed(make_show(), [episode], now=NOW)).find("channel/item")
    assert item.xpath("itunes:episodeType/text()", namespaces=NS) == [episode_type]


def test_paging_links():
    pages = PageLinks(
        first="https://p.example/f.xml",
        last="https://p.example/f.xml?page=3",
        next="https://p.example/f.xml?page=2",
    )
    channel = etree.fromstring(render_feed(make_show(pages=pages), [], now=NOW)).find("channel")
    links = {a.get("rel"): a.get("href") for a in channel.iterfind("atom:link", namespaces=NS)}
    assert links == {
        "self": make_show().feed_url,
        "first": pages.first,
        "last": pages.last,
        "next": pages.next,
    }


def test_long_description_is_cut_to_4000_bytes():
    episode = make_episode(1, NOW, description="å" * 3000)
    item = etree.fromstring(render_feed(make_show(), [episode], now=NOW)).find("channel/item")
    text = item.findtext("description")
    assert len(text.encode()) <= 4000
    assert text.endswith("…")
