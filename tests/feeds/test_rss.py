"""render_feed: parse the bytes back with podcastparser, feedparser and lxml.

Two independent parsers read the feed the way podcast apps do, so a passing test
means real apps see the values, not just that some string is in the XML.
"""

from __future__ import annotations

import calendar
import io
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import feedparser
import podcastparser
import pytest
from lxml import etree

from feeds.model import Enclosure, FeedEpisode, FeedShow
from feeds.rss import render_feed, visible_episodes

GOLDEN = Path(__file__).parent / "data" / "basic.xml"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CEST = timezone(timedelta(hours=2))
NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}


def make_show(**changes: Any) -> FeedShow:
    """A Swedish municipal show; tests change only the fields they are about."""
    show = FeedShow(
        title="Kommunpodden",
        description="Samtal om livet i Ånge kommun.",
        language="sv",
        link="https://podd.example.se/kommunpodden",
        feed_url="https://podd.example.se/kommunpodden/feed.xml",
        image_url="https://podd.example.se/media/kommunpodden/cover.jpg",
        author="Ånge kommun",
        owner_name="Åsa Öberg",
        owner_email="asa.oberg@example.se",
        category="Government",
        subcategory=None,
        explicit=False,
        copyright="© 2025 Ånge kommun",
    )
    return replace(show, **changes)


def make_episode(number: int, published_at: datetime, **changes: Any) -> FeedEpisode:
    """Episode ``number`` with a stable guid and an mp3 enclosure."""
    episode = FeedEpisode(
        guid=f"urn:uuid:00000000-0000-4000-8000-{number:012d}",
        title=f"Avsnitt {number}",
        description=f"Beskrivning av avsnitt {number}.",
        published_at=published_at,
        duration_seconds=1800.0 + number,
        enclosure=Enclosure(
            url=f"https://podd.example.se/media/kommunpodden/{number}.mp3",
            length=10_000_000 + number,
            mime_type="audio/mpeg",
        ),
        link=f"https://podd.example.se/kommunpodden/{number}",
    )
    return replace(episode, **changes)


def golden_episodes() -> list[FeedEpisode]:
    """The fixed two-episode input of basic.xml: Swedish text, one explicit episode."""
    return [
        make_episode(
            1,
            datetime(2025, 5, 1, 8, 0, tzinfo=CEST),
            title="Välkommen till Kommunpodden",
            description="Vi pratar om skola & omsorg – och om älgar.",
            duration_seconds=1234.4,
        ),
        make_episode(
            2,
            datetime(2025, 5, 15, 8, 0, tzinfo=CEST),
            title="Budget 2026: vad händer?",
            description="Kommunstyrelsens ordförande svarar på frågor.",
            duration_seconds=2701.6,
            explicit=True,
            image_url="https://podd.example.se/media/kommunpodden/artwork/2.png?v=2",
        ),
    ]


def three_episodes() -> list[FeedEpisode]:
    """Three past episodes, deliberately not in date order."""
    return [
        make_episode(2, datetime(2025, 5, 10, 6, 0, tzinfo=UTC)),
        make_episode(1, datetime(2025, 5, 1, 6, 0, tzinfo=UTC)),
        make_episode(3, datetime(2025, 5, 20, 6, 0, tzinfo=UTC)),
    ]


def parse_podcastparser(data: bytes) -> dict[str, Any]:
    """The feed as gPodder's parser sees it."""
    return podcastparser.parse(make_show().feed_url, io.BytesIO(data))


def parse_lxml(data: bytes) -> etree._Element:
    """The root element, for XPath checks of tags the parsers do not expose."""
    return etree.fromstring(data)


def timestamp(moment: datetime) -> int:
    """Seconds since the epoch, the unit podcastparser reports ``published`` in."""
    return calendar.timegm(moment.utctimetuple())


def test_channel_fields_round_trip_through_podcastparser() -> None:
    show = make_show()
    feed = parse_podcastparser(render_feed(show, three_episodes(), now=NOW))
    assert feed["title"] == show.title
    assert feed["description"] == show.description
    assert feed["language"] == show.language
    assert feed["link"] == show.link
    assert feed["cover_url"] == show.image_url
    assert feed["itunes_author"] == show.author
    assert feed["itunes_owner"] == {"name": show.owner_name, "email": show.owner_email}
    assert feed["itunes_categories"] == [["Government"]]
    assert feed["type"] == "episodic"
    assert feed["generator"] == "podhost"
    assert feed["explicit"] is False


def test_channel_fields_round_trip_through_feedparser() -> None:
    show = make_show()
    parsed = feedparser.parse(render_feed(show, three_episodes(), now=NOW))
    assert not parsed.bozo
    assert parsed.version == "rss20"
    assert parsed.feed.title == show.title
    assert parsed.feed.subtitle == show.description
    assert parsed.feed.language == show.language
    assert parsed.feed.link == show.link
    assert parsed.feed.image.href == show.image_url
    assert parsed.feed.rights == show.copyright
    self_links = [link for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [{"rel": "self", "href": show.feed_url, "type": "application/rss+xml"}]


def test_every_episode_round_trips_through_podcastparser() -> None:
    episodes = three_episodes()
    parsed = parse_podcastparser(render_feed(make_show(), episodes, now=NOW))["episodes"]
    by_guid = {item["guid"]: item for item in parsed}
    assert set(by_guid) == {e.guid for e in episodes}
    for episode in episodes:
        item = by_guid[episode.guid]
        assert item["title"] == episode.title
        assert item["description"] == episode.description
        assert item["link"] == episode.link
        assert item["published"] == timestamp(episode.published_at)
        assert item["total_time"] == round(episode.duration_seconds)
        assert item["type"] == "full"
        assert item["enclosures"] == [
            {
                "url": episode.enclosure.url,
                "file_size": episode.enclosure.length,
                "mime_type": episode.enclosure.mime_type,
            }
        ]


def test_every_episode_round_trips_through_feedparser() -> None:
    episodes = three_episodes()
    parsed = feedparser.parse(render_feed(make_show(), episodes, now=NOW))
    by_guid = {entry.id: entry for entry in parsed.entries}
    assert set(by_guid) == {e.guid for e in episodes}
    for episode in episodes:
        entry = by_guid[episode.guid]
        assert entry.guidislink is False
        assert entry.title == episode.title
        assert entry.summary == episode.description
        assert entry.link == episode.link
        assert calendar.timegm(entry.published_parsed) == timestamp(episode.published_at)
        assert entry.itunes_duration == str(round(episode.duration_seconds))
        assert entry.enclosures == [
            {
                "href": episode.enclosure.url,
                "length": str(episode.enclosure.length),
                "type": episode.enclosure.mime_type,
            }
        ]


def test_items_are_newest_first() -> None:
    data = render_feed(make_show(), three_episodes(), now=NOW)
    titles = [e.title for e in feedparser.parse(data).entries]
    assert titles == ["Avsnitt 3", "Avsnitt 2", "Avsnitt 1"]
    guids = parse_lxml(data).xpath("/rss/channel/item/guid/text()")
    assert guids == [e.guid for e in sorted(three_episodes(), key=lambda e: e.guid)[::-1]]


def test_equal_publish_times_sort_by_guid() -> None:
    same = datetime(2025, 5, 1, 6, 0, tzinfo=UTC)
    episodes = [make_episode(n, same) for n in (3, 1, 2)]
    assert [e.guid for e in visible_episodes(episodes, now=NOW)] == sorted(e.guid for e in episodes)


def test_future_episodes_are_dropped() -> None:
    past = make_episode(1, NOW - timedelta(days=1))
    exactly_now = make_episode(2, NOW)
    future = make_episode(3, NOW + timedelta(seconds=1))
    data = render_feed(make_show(), [past, exactly_now, future], now=NOW)
    guids = [e["guid"] for e in parse_podcastparser(data)["episodes"]]
    assert sorted(guids) == sorted([past.guid, exactly_now.guid])
    assert future.guid.encode() not in data


def test_now_defaults_to_the_current_time() -> None:
    today = datetime.now(UTC)
    past = make_episode(1, today - timedelta(hours=1))
    future = make_episode(2, today + timedelta(days=365))
    data = render_feed(make_show(), [past, future])
    assert [e["guid"] for e in parse_podcastparser(data)["episodes"]] == [past.guid]


def test_same_input_gives_identical_bytes() -> None:
    episodes = three_episodes()
    first = render_feed(make_show(), episodes, now=NOW)
    again = render_feed(make_show(), list(reversed(episodes)), now=NOW + timedelta(days=30))
    assert first == again


def test_last_build_date_is_the_newest_episode_not_the_clock() -> None:
    root = parse_lxml(render_feed(make_show(), three_episodes(), now=NOW))
    assert root.findtext("channel/lastBuildDate") == "Tue, 20 May 2025 06:00:00 +0000"


def test_empty_feed_is_valid_and_deterministic() -> None:
    changed = datetime(2025, 4, 2, 9, 30, tzinfo=UTC)
    data = render_feed(make_show(updated_at=changed), [], now=NOW)
    assert data == render_feed(make_show(updated_at=changed), [])
    # Its lastBuildDate is when the show last changed, not 1970 and not the clock.
    assert parse_lxml(data).findtext("channel/lastBuildDate") == "Wed, 02 Apr 2025 09:30:00 +0000"
    feed = parse_podcastparser(data)
    assert feed["title"] == "Kommunpodden"
    assert feed["episodes"] == []


def test_dates_are_rfc2822_in_utc() -> None:
    episode = make_episode(1, datetime(2025, 5, 1, 8, 0, tzinfo=CEST))
    root = parse_lxml(render_feed(make_show(), [episode], now=NOW))
    assert root.findtext("channel/item/pubDate") == "Thu, 01 May 2025 06:00:00 +0000"


def test_special_characters_round_trip() -> None:
    text = 'Fika & bullar: 1 < 2 > 0 "säger" Åsa – räksmörgås ÅÄÖ 🎙️🇸🇪'
    show = make_show(title=text, description=text, author=text)
    episode = make_episode(
        1,
        NOW - timedelta(days=1),
        title=text,
        description=text,
        enclosure=Enclosure("https://cdn.example.se/a.mp3?x=1&y=2", 5, "audio/mpeg"),
    )
    data = render_feed(show, [episode], now=NOW)
    assert "räksmörgås ÅÄÖ 🎙️🇸🇪" in data.decode("utf-8")  # raw UTF-8, not entities

    feed = parse_podcastparser(data)
    assert feed["title"] == feed["description"] == feed["itunes_author"] == text
    item = feed["episodes"][0]
    assert item["title"] == item["description"] == text
    assert item["enclosures"][0]["url"] == "https://cdn.example.se/a.mp3?x=1&y=2"

    parsed = feedparser.parse(data)
    assert not parsed.bozo
    assert parsed.feed.title == parsed.feed.subtitle == text
    assert parsed.entries[0].title == parsed.entries[0].summary == text
    assert parsed.entries[0].enclosures[0].href == "https://cdn.example.se/a.mp3?x=1&y=2"


def test_tag_like_text_is_escaped_exactly_in_the_xml() -> None:
    text = "Fika & <bullar> i <b>Ånge</b>"
    episode = make_episode(1, NOW - timedelta(days=1), title=text, description=text)
    data = render_feed(make_show(description=text), [episode], now=NOW)
    assert b"Fika &amp; &lt;bullar&gt; i &lt;b&gt;" in data
    root = parse_lxml(data)
    assert root.findtext("channel/description") == text
    assert root.findtext("channel/item/title") == root.findtext("channel/item/description") == text
    assert parse_podcastparser(data)["episodes"][0]["title"] == text
    assert feedparser.parse(data).entries[0].title == text
    # Known limit of plain-text descriptions: apps read <description> as HTML, so
    # both parsers drop "<bullar>" from it. Escaping twice would show "&lt;" instead.
    assert "<bullar>" not in feedparser.parse(data).entries[0].summary


def test_characters_xml_cannot_carry_are_dropped_not_fatal() -> None:
    episode = make_episode(1, NOW - timedelta(days=1), title="Vertikal\x0btab\x00")
    data = render_feed(make_show(), [episode], now=NOW)
    assert parse_podcastparser(data)["episodes"][0]["title"] == "Vertikaltab"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(61.6, "62"), (61.4, "61"), (60.5, "61"), (0.0, "0"), (3600.0, "3600")],
)
def test_duration_is_whole_seconds_rounded(seconds: float, expected: str) -> None:
    episode = make_episode(1, NOW - timedelta(days=1), duration_seconds=seconds)
    data = render_feed(make_show(), [episode], now=NOW)
    assert parse_lxml(data).findtext("channel/item/itunes:duration", namespaces=NS) == expected
    assert parse_podcastparser(data)["episodes"][0]["total_time"] == int(expected)


def test_negative_duration_is_refused() -> None:
    episode = make_episode(1, NOW - timedelta(days=1), duration_seconds=-1.0)
    with pytest.raises(ValueError, match="duration"):
        render_feed(make_show(), [episode], now=NOW)


@pytest.mark.parametrize(("explicit", "text"), [(True, "true"), (False, "false")])
def test_show_explicit_is_true_or_false(explicit: bool, text: str) -> None:
    data = render_feed(make_show(explicit=explicit), [], now=NOW)
    root = parse_lxml(data)
    assert root.xpath("/rss/channel/itunes:explicit/text()", namespaces=NS) == [text]
    assert parse_podcastparser(data)["explicit"] is explicit


def test_episode_explicit_only_when_set() -> None:
    at = NOW - timedelta(days=1)
    episodes = [
        make_episode(1, at, explicit=True),
        make_episode(2, at, explicit=False),
        make_episode(3, at, explicit=None),
    ]
    data = render_feed(make_show(), episodes, now=NOW)
    root = parse_lxml(data)
    explicit = {
        item.findtext("guid"): item.xpath("itunes:explicit/text()", namespaces=NS)
        for item in root.iterfind("channel/item")
    }
    assert explicit == {
        episodes[0].guid: ["true"],
        episodes[1].guid: ["false"],
        episodes[2].guid: [],
    }
    # feedparser 6 maps only "yes" to True, so it is not asked here; podcastparser is.
    by_guid = {e["guid"]: e for e in parse_podcastparser(data)["episodes"]}
    assert by_guid[episodes[0].guid]["explicit"] is True
    assert by_guid[episodes[1].guid].get("explicit", False) is False


def test_required_apple_channel_tags_are_present() -> None:
    show = make_show(subcategory="Documentary", category="Society & Culture")
    channel = parse_lxml(render_feed(show, three_episodes(), now=NOW)).find("channel")

    def one(path: str) -> list[Any]:
        return channel.xpath(path, namespaces=NS)

    assert one("itunes:image/@href") == [show.image_url]
    assert one("itunes:category/@text") == ["Society & Culture"]
    assert one("itunes:category/itunes:category/@text") == ["Documentary"]
    assert one("itunes:explicit/text()") == ["false"]
    assert one("language/text()") == ["sv"]
    assert one("itunes:author/text()") == [show.author]
    assert one("itunes:owner/itunes:name/text()") == [show.owner_name]
    assert one("itunes:owner/itunes:email/text()") == [show.owner_email]
    assert one("itunes:type/text()") == ["episodic"]
    assert one("atom:link[@rel='self']/@href") == [show.feed_url]
    assert one("atom:link[@rel='self']/@type") == ["application/rss+xml"]
    assert one("link/text()") == [show.link]
    assert len(one("item/itunes:episodeType[text()='full']")) == 3


def test_extra_categories_nest_under_their_parent() -> None:
    show = make_show(
        category="Education",
        subcategory="Courses",
        categories_extra=[("Education", "How To"), ("News", None)],
    )
    channel = parse_lxml(render_feed(show, [], now=NOW)).find("channel")
    tree = {
        cat.get("text"): [sub.get("text") for sub in cat]
        for cat in channel.iterfind("itunes:category", namespaces=NS)
    }
    assert tree == {"Education": ["Courses", "How To"], "News": []}


def test_image_url_with_query_string_is_kept() -> None:
    # feedgen's own itunes_image() silently drops URLs not ending in .jpg/.png.
    url = "https://podd.example.se/media/cover.jpg?v=3"
    data = render_feed(make_show(image_url=url), [], now=NOW)
    assert parse_podcastparser(data)["cover_url"] == url


def test_copyright_is_left_out_when_unset() -> None:
    root = parse_lxml(render_feed(make_show(copyright=None), [], now=NOW))
    assert root.find("channel/copyright") is None


def test_no_content_encoded_for_plain_text_descriptions() -> None:
    root = parse_lxml(render_feed(make_show(), three_episodes(), now=NOW))
    assert root.xpath("//content:encoded", namespaces=NS) == []


def test_naive_datetimes_are_refused() -> None:
    naive = make_episode(1, datetime(2025, 5, 1, 6, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        render_feed(make_show(), [naive], now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        render_feed(make_show(), [], now=datetime(2025, 6, 1))


def test_matches_golden_file() -> None:
    """The whole feed for a fixed Swedish input, byte for byte.

    After an intended change, regenerate with
    ``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/feeds/test_rss.py -k golden``
    and review the diff of tests/feeds/data/basic.xml before committing it.
    """
    data = render_feed(make_show(), golden_episodes(), now=NOW)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_bytes(data)
    assert data == GOLDEN.read_bytes()
