"""The feed linter: a healthy feed has no findings, each broken rule exactly its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from feeds.lint import Artwork, LintContext, artwork_problems, lint_feed
from feeds.rss import render_feed
from tests.feeds.test_podcast_ns import full_episode, full_feed, full_show
from tests.feeds.test_rss import NOW, make_episode

GOOD_ART = Artwork(1400, 1400, "RGB", "image/jpeg")


def codes(data: bytes, context: LintContext | None = None) -> list[str]:
    return [finding.code for finding in lint_feed(data, context)]


def test_full_feed_is_healthy():
    context = LintContext(artwork={full_show().image_url: GOOD_ART})
    assert lint_feed(full_feed(), context) == []


def test_missing_required_tags():
    data = full_feed().replace(b"<language>sv</language>", b"")
    data = data.replace(b"<podcast:guid>", b"<podcast:notguid>").replace(
        b"</podcast:guid>", b"</podcast:notguid>"
    )
    findings = lint_feed(data)
    assert [(f.code, f.message) for f in findings] == [
        ("missing-tag", "The channel has no language."),
        ("missing-podcast-tag", "The channel has no podcast:guid."),
    ]


def test_not_xml_and_not_rss():
    assert codes(b"<rss><channel>") == ["not-xml"]
    assert codes(b"<feed/>") == ["not-rss"]


def test_duplicate_guids_and_enclosures():
    episodes = [make_episode(1, NOW - timedelta(days=1)), make_episode(1, NOW - timedelta(days=2))]
    data = render_feed(full_show(), episodes, now=NOW)
    assert sorted(codes(data)) == ["duplicate-enclosure"] * 2 + ["duplicate-guid"] * 2


def test_non_ascii_url():
    episode = replace(
        full_episode(),
        enclosure=replace(full_episode().enclosure, url="https://podd.example.se/åäö.mp3"),
    )
    data = render_feed(full_show(), [episode], now=NOW)
    assert codes(data) == ["non-ascii-url"]


def test_description_over_4000_bytes():
    data = full_feed().replace(
        b"<description>Vi bes", b"<description>" + "ö".encode() * 2001 + b"Vi bes"
    )
    assert codes(data) == ["description-too-long"]


def test_invalid_category():
    data = render_feed(replace(full_show(), category="Kommun", subcategory=None), [], now=NOW)
    assert codes(data) == ["invalid-category"]
    data = render_feed(replace(full_show(), subcategory="Documentary"), [], now=NOW)
    assert codes(data) == ["invalid-category"]


def test_enclosure_length_must_match_the_stored_file():
    url = full_episode().enclosure.url
    assert codes(full_feed(), LintContext(stored_sizes={url: 10000001})) == []
    findings = lint_feed(full_feed(), LintContext(stored_sizes={url: 999}))
    assert [f.code for f in findings] == ["enclosure-length"]
    assert "999" in findings[0].message
    assert findings[0].where == "item 1: Rosengård"


@pytest.mark.parametrize(
    ("image", "url", "needle"),
    [
        (Artwork(1000, 1000, "RGB", "image/jpeg"), "a.jpg", "1400 to 3000"),
        (Artwork(3001, 3001, "RGB", "image/png"), "a.png", "1400 to 3000"),
        (Artwork(1400, 1500, "RGB", "image/png"), "a.png", "square"),
        (Artwork(1400, 1400, "CMYK", "image/jpeg"), "a.jpg", "RGB"),
        (Artwork(1400, 1400, "RGB", "image/gif"), "a.gif", "JPEG or PNG"),
        (Artwork(1400, 1400, "RGB", "image/png"), "a.jpg", "extension"),
        (None, "a.jpg", "cannot be read"),
    ],
)
def test_artwork_rules(image, url, needle):
    problems = artwork_problems(image, url)
    assert len(problems) == 1
    assert needle in problems[0]


def test_good_artwork_with_query_string():
    assert artwork_problems(GOOD_ART, "https://x/cover.JPEG?v=2") == []
    assert artwork_problems(Artwork(3000, 3000, "RGB", "image/png"), "https://x/c.png") == []
