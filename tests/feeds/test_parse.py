"""feeds.parse: foreign feeds read leniently, hostile XML refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feeds.parse import (
    FeedParseError,
    episode_from_dict,
    episode_to_dict,
    looks_like_html,
    parse_duration,
    parse_feed,
    parse_pub_date,
)

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/DTDs/Podcast-1.0.dtd"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:podcast="https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md">
<channel>
  <title><![CDATA[Grannar]]></title>
  <language>sv-SE</language>
  <itunes:explicit>clean</itunes:explicit>
  <itunes:category text="Society &amp; Culture"><itunes:category text="Documentary"/>
    <itunes:category text="Personal Journals"/></itunes:category>
  <itunes:category text="News"/>
  <image><url>/img/cover.jpg</url></image>
  <podcast:locked owner="a@example.org">yes</podcast:locked>
  <item>
    <title>Ett</title>
    <guid isPermaLink="true">  https://example.org/ett  </guid>
    <pubDate>2024-05-01T06:00:00Z</pubDate>
    <description><![CDATA[<p>Hej <b>alla</b></p>]]></description>
    <enclosure url="audio/ett.mp3" type="audio/mpeg" length="123"/>
    <itunes:duration>1:02:03</itunes:duration>
    <itunes:explicit>yes</itunes:explicit>
    <itunes:episodeType>Bonus</itunes:episodeType>
    <podcast:season name="Vår">2</podcast:season>
    <podcast:episode>7</podcast:episode>
    <podcast:transcript url="t.vtt" type="text/vtt" />
    <podcast:soundbite startTime="10.5" duration="30">Bäst</podcast:soundbite>
  </item>
</channel>
</rss>""".encode()


def test_channel_and_item_fields_with_old_namespace_uris_and_relative_urls():
    feed = parse_feed(FEED, "https://old.example/shows/grannar/feed.xml")
    show = feed.show
    assert show.title == "Grannar" and show.language == "sv-SE"
    assert show.explicit is False
    assert show.categories == (
        ("Society & Culture", "Documentary"),
        ("Society & Culture", "Personal Journals"),
        ("News", None),
    )
    assert show.image_url == "https://old.example/img/cover.jpg"
    assert show.locked and show.locked_owner == "a@example.org"
    (episode,) = feed.episodes
    assert episode.guid == "https://example.org/ett"
    assert episode.published_at == datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
    assert episode.enclosure_url == "https://old.example/shows/grannar/audio/ett.mp3"
    assert episode.duration_seconds == 3723.0
    assert episode.explicit is True and episode.episode_type == "bonus"
    assert (episode.season_number, episode.season_name, episode.episode_number) == (2, "Vår", 7)
    assert episode.transcripts[0].url == "https://old.example/shows/grannar/t.vtt"
    assert episode.transcripts[0].language == "sv-SE"
    assert episode.soundbites == ((10.5, 30.0, "Bäst"),)
    assert episode_from_dict(episode_to_dict(episode)) == episode


@pytest.mark.parametrize(
    "document, message",
    [
        (b"not xml at all", "not well-formed"),
        (b"<html><body>Moved</body></html>", "not an RSS feed"),
        (b"<rss><nochannel/></rss>", "no <channel>"),
        (b"<rss><channel><description>x</description></channel></rss>", "no title"),
        (
            b'<!DOCTYPE rss [<!ENTITY e SYSTEM "file:///etc/passwd">]><rss><channel>'
            b"<title>&e;</title></channel></rss>",
            "entities",
        ),
    ],
)
def test_documents_that_are_not_importable_feeds_are_refused(document, message):
    with pytest.raises(FeedParseError, match=message):
        parse_feed(document)


def test_an_undefined_entity_is_left_unexpanded_not_fetched():
    document = (
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">'
        b"<rss version='0.91'><channel><title>A&nbsp;B</title></channel></rss>"
    )
    assert parse_feed(document).show.title == "A&nbsp;B"


@pytest.mark.parametrize(
    "text, seconds",
    [("3", 3.0), ("0:03", 3.0), ("00:00:03", 3.0), ("3723.5", 3723.5), ("", None), ("x", None)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    ["Wed, 01 May 2024 06:00:00 GMT", "Wed, 01 May 2024 08:00:00 +0200", "2024-05-01T06:00:00"],
)
def test_publication_dates_are_utc(text):
    assert parse_pub_date(text) == datetime(2024, 5, 1, 6, 0, tzinfo=UTC)


def test_html_is_told_from_plain_text():
    assert looks_like_html("<p>Hej</p>") and not looks_like_html("1 < 2 > 0")
