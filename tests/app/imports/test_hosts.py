"""Importing feeds in the shapes Libsyn, Anchor and Buzzsprout publish, and comparing them."""

from __future__ import annotations

from tests.app.conftest import row_counts, stored_keys
from tests.app.imports.helpers import items_by_guid, job_items, parsed, published_feed, run_import
from tests.app.imports.source import (
    anchor_feed,
    buzzsprout_feed,
    episodes,
    libsyn_feed,
    serve_audio,
)


def assert_same_episodes(source_feed: bytes, new_feed: bytes) -> None:
    """Every GUID, pubDate and duration of the source is in the new feed, unchanged."""
    before = items_by_guid(source_feed)
    after = items_by_guid(new_feed)
    assert set(after) == set(before)
    for guid, old in before.items():
        assert after[guid]["published"] == old["published"], guid
        assert after[guid]["total_time"] == old["total_time"], guid


def test_libsyn_feed_is_imported_with_every_guid_date_and_duration(app, source, artwork, audio_dir):
    items = episodes(audio_dir / "tone.mp3", 3)
    serve_audio(source, items)
    feed = libsyn_feed(source, items, artwork)
    url = source.file("/12345/rss", feed, "application/rss+xml; charset=UTF-8")

    slug, job_id = run_import(app, url)

    assert [state for _, state, _ in job_items(app, job_id)] == ["done"] * 3
    new_feed = published_feed(app, slug)
    assert_same_episodes(feed, new_feed)
    show = parsed(new_feed)
    assert show["title"] == "Stadsdelspodden"
    text = new_feed.decode()
    assert '<itunes:category text="Society &amp; Culture">' in text
    assert '<itunes:category text="Places &amp; Travel"/>' in text
    assert "<script>" not in text and "alert(1)" not in text
    assert '<a href="https://malmo.se" rel="noopener nofollow">Länk</a>' in text
    # Audio, and the artwork in place of the placeholder: nothing else, nothing orphaned.
    keys = stored_keys(app)
    assert len([k for k in keys if k.endswith(".mp3")]) == 3
    assert len([k for k in keys if "/artwork/" in k]) == 1
    assert row_counts(app)["stored_files"] == len(keys)


def test_anchor_feed_keeps_numbers_types_and_explicit(app, source, artwork, audio_dir):
    items = episodes(audio_dir / "tone.mp3", 2, prefix="anchor")
    serve_audio(source, items)
    feed = anchor_feed(source, items, artwork)
    url = source.file("/s/abc123/podcast/rss", feed, "application/rss+xml")

    slug, _ = run_import(app, url)

    new_feed = published_feed(app, slug)
    assert_same_episodes(feed, new_feed)
    text = new_feed.decode()
    assert "<itunes:type>serial</itunes:type>" in text
    assert "<itunes:explicit>true</itunes:explicit>" in text
    assert "<itunes:episodeType>trailer</itunes:episodeType>" in text
    assert "<itunes:season>2</itunes:season>" in text
    assert "<itunes:episode>2</itunes:episode>" in text
