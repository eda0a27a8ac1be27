"""The feed linter: a healthy feed has no findings, each broken rule exactly its own."""

from __future__ import annotations

import ast
import inspect
from dataclasses import replace
from datetime import timedelta

import pytest
from lxml import etree

import feeds.lint
from feeds.lint import CODES, Artwork, LintContext, artwork_findings, artwork_problems, lint_feed
from feeds.rss import render_feed
from tests.feeds.test_podcast_ns import full_episode, full_feed, full_show
from tests.feeds.test_rss import NOW, make_episode

GOOD_ART = Artwork(1400, 1400, "RGB", "image/jpeg")


def codes(data: bytes, context: LintContext | None = None) -> list[str]:
    found = [finding.code for finding in lint_feed(data, context)]
    assert set(found) <= set(CODES)
    return found


def test_codes_lists_every_code_in_the_source_once():
    """A new finding code must go into CODES, which the studio's wording test walks."""
    tree = ast.parse(inspect.getsource(feeds.lint))
    codes_node = next(
        node
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "CODES"
    )
    tree.body.remove(codes_node)
    in_source = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.replace("-", "").isalpha()
        and node.value.islower()
        and "-" in node.value
    ]
    assert len(CODES) == len(set(CODES))
    assert set(in_source) == set(CODES)
    finding_calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Finding"
    ]
    for call in finding_calls:
        code = call.args[1]
        # A code is a literal, or the one variable that holds CHANNEL_TAGS' or the caller's code.
        assert isinstance(code, ast.Constant) or (isinstance(code, ast.Name) and code.id == "code")


def test_full_feed_is_healthy():
    context = LintContext(artwork={full_show().image_url: GOOD_ART})
    assert lint_feed(full_feed(), context) == []


def test_missing_required_tags():
    data = full_feed().replace(b"<language>sv</language>", b"")
    data = data.replace(b"<podcast:guid>", b"<podcast:notguid>").replace(
        b"</podcast:guid>", b"</podcast:notguid>"
    )
    findings = lint_feed(data)
    assert [(f.severity, f.code, f.message, f.params) for f in findings] == [
        ("error", "missing-language", "The channel has no language.", {"tag": "language"}),
        (
            "warning",
            "missing-podcast-guid",
            "The channel has no podcast:guid.",
            {"tag": "podcast:guid"},
        ),
    ]


def test_missing_owner_email_and_episode_title():
    data = full_feed().replace(b"asa.oberg@example.se", b"")
    data = data.replace("<title>Rosengård</title>".encode(), b"")
    findings = lint_feed(data)
    assert [(f.code, f.where) for f in findings] == [
        ("missing-owner-email", "channel"),
        ("episode-missing-title", "item 1: (no title)"),
    ]
    guid = "urn:uuid:00000000-0000-4000-8000-000000000001"
    assert findings[1].params == {"number": 1, "episode": guid, "guid": guid}


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
    assert lint_feed(data)[0].params == {"url": "https://podd.example.se/åäö.mp3"}


def test_description_over_4000_bytes():
    data = full_feed().replace(
        b"<description>Vi bes", b"<description>" + "ö".encode() * 2001 + b"Vi bes"
    )
    assert codes(data) == ["episode-description-too-long"]
    size = len(etree.fromstring(data).findtext("channel/item/description").encode())
    assert size > 4000
    assert lint_feed(data)[0].params == {
        "number": 1,
        "episode": "Rosengård",
        "guid": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "size": size,
        "limit": 4000,
    }


def test_invalid_category():
    episodes = [full_episode()]
    show = replace(full_show(), category="Kommun", subcategory=None)
    data = render_feed(show, episodes, now=NOW)
    assert codes(data) == ["invalid-category"]
    assert lint_feed(data)[0].params == {"category": "Kommun"}
    data = render_feed(replace(full_show(), subcategory="Documentary"), episodes, now=NOW)
    assert codes(data) == ["invalid-category"]


def test_stand_ins_are_findings():
    """What a host fills in is valid RSS but not the producer's show."""
    show = replace(full_show(), description=full_show().title, author=full_show().title)
    url = show.image_url
    context = LintContext(placeholder_artwork={url}, default_category=show.category)
    assert codes(render_feed(show, [], now=NOW), context) == [
        "description-is-title",
        "author-is-title",
        "default-category",
        "placeholder-artwork",
        "no-episodes",
    ]
    # The same category, chosen by the producer, is no stand-in.
    assert full_show().category == show.category
    assert codes(render_feed(full_show(), [full_episode()], now=NOW), LintContext()) == []


def test_an_episode_description_that_is_its_title_is_named():
    episode = replace(full_episode(), description=full_episode().title)
    findings = lint_feed(render_feed(full_show(), [episode], now=NOW))
    assert [(f.severity, f.code) for f in findings] == [("warning", "episode-description-is-title")]


def test_enclosure_length_must_match_the_stored_file():
    url = full_episode().enclosure.url
    assert codes(full_feed(), LintContext(stored_sizes={url: 10000001})) == []
    findings = lint_feed(full_feed(), LintContext(stored_sizes={url: 999}))
    assert [f.code for f in findings] == ["enclosure-length"]
    assert "999" in findings[0].message
    assert findings[0].where == "item 1: Rosengård"
    assert findings[0].params == {
        "number": 1,
        "episode": "Rosengård",
        "guid": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "url": url,
        "length": 10000001,
        "stored": 999,
    }


@pytest.mark.parametrize(
    ("image", "url", "needle", "code"),
    [
        (Artwork(1000, 1000, "RGB", "image/jpeg"), "a.jpg", "1400 to 3000", "artwork-size"),
        (Artwork(3001, 3001, "RGB", "image/png"), "a.png", "1400 to 3000", "artwork-size"),
        (Artwork(1400, 1500, "RGB", "image/png"), "a.png", "square", "artwork-not-square"),
        (Artwork(1400, 1400, "CMYK", "image/jpeg"), "a.jpg", "RGB", "artwork-colour-mode"),
        (Artwork(1400, 1400, "RGB", "image/gif"), "a.gif", "JPEG or PNG", "artwork-type"),
        (Artwork(1400, 1400, "RGB", "image/png"), "a.jpg", "extension", "artwork-extension"),
        (None, "a.jpg", "cannot be read", "artwork-unreadable"),
    ],
)
def test_artwork_rules(image, url, needle, code):
    problems = artwork_problems(image, url)
    assert len(problems) == 1
    assert needle in problems[0]
    assert [f.code for f in artwork_findings(image, url)] == [code]


def test_artwork_findings_carry_the_sizes():
    findings = artwork_findings(Artwork(1000, 1200, "RGB", "image/png"), "a.png")
    assert [(f.code, f.params) for f in findings] == [
        ("artwork-not-square", {"width": 1000, "height": 1200}),
        ("artwork-size", {"width": 1000, "height": 1200, "min": 1400, "max": 3000}),
    ]


def test_good_artwork_with_query_string():
    assert artwork_problems(GOOD_ART, "https://x/cover.JPEG?v=2") == []
    assert artwork_problems(Artwork(3000, 3000, "RGB", "image/png"), "https://x/c.png") == []


def _with_bite(start: float, length: float) -> bytes:
    """The full feed with its one episode's soundbite moved; the audio is 1801 s long."""
    episode = full_episode()
    assert episode.duration_seconds == 1801.0
    bite = replace(episode.soundbites[0], start_seconds=start, duration_seconds=length)
    return render_feed(full_show(), [replace(episode, soundbites=(bite,))], now=NOW)


def test_soundbites_within_the_audio_are_fine():
    assert codes(_with_bite(0.0, 1801.0)) == []
    assert codes(_with_bite(1790.0, 11.4)) == []  # itunes:duration is rounded to the second


def test_a_soundbite_past_the_end_of_the_audio():
    findings = lint_feed(_with_bite(1780.0, 30.0))
    assert [(f.severity, f.code) for f in findings] == [("warning", "soundbite-past-end")]
    assert findings[0].params["end"] == "1810" and findings[0].params["duration"] == "1801"
    assert findings[0].params["episode"] == "Rosengård"
    assert "1810 s" in findings[0].message


@pytest.mark.parametrize(
    ("start", "duration"), [("abc", "60"), ("10", "0"), ("-5", "10"), ("10", ""), ("nan", "5")]
)
def test_a_soundbite_without_a_valid_start_or_length(start, duration):
    root = etree.fromstring(full_feed())
    bite = root.find(".//{https://podcastindex.org/namespace/1.0}soundbite")
    bite.set("startTime", start)
    bite.set("duration", duration)
    findings = lint_feed(etree.tostring(root))
    assert [f.code for f in findings] == ["soundbite-invalid"]
    assert findings[0].params["start"] == start and findings[0].params["length"] == duration


def test_a_clock_style_itunes_duration_is_read_as_seconds():
    root = etree.fromstring(_with_bite(1780.0, 30.0))
    root.find(".//{http://www.itunes.com/dtds/podcast-1.0.dtd}duration").text = "0:30:20"
    assert codes(etree.tostring(root)) == []  # 1820 s: the bite now fits
