"""Importing feeds in the shapes Libsyn, Anchor and Buzzsprout publish, and comparing them."""

from __future__ import annotations

import re

from tests.app.conftest import row_counts, stored_keys
from tests.app.imports.helpers import (
    items_by_guid,
    job_items,
    parsed,
    progress_notes,
    published_feed,
    run_import,
)
from tests.app.imports.source import (
    anchor_feed,
    buzzsprout_feed,
    episodes,
    libsyn_feed,
    serve_audio,
)
from tests.support.audio import cover_jpeg


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
    # HTML in <description> becomes plain text; content:encoded keeps sanitized HTML.
    assert "<description>Plain description.</description>" in text
    assert "<![CDATA[<p>Plain description." in text
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


VTT = (
    "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n<v Anna>Hej och välkommen.\n\n"
    "00:00:01.500 --> 00:00:03.000\n<v Anna>Hej då.\n"
).encode()
CHAPTERS = (
    b'{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Intro"},'
    b' {"startTime": 1.5, "title": "Mitten", "url": "https://malmo.se"}]}'
)


def test_buzzsprout_feed_needs_the_owner_and_keeps_chapters_transcripts_persons(
    app, source, artwork, audio_dir
):
    import pytest

    from app.services.errors import InvalidInput

    items = episodes(audio_dir / "tone.mp3", 2, prefix="Buzzsprout")
    serve_audio(source, items)
    for number, item in enumerate(items, start=1):
        base = f"/123456/{number}"
        source.file(f"{base}/chapters.json", CHAPTERS, "application/json")
        source.file(f"{base}/transcript.vtt", VTT, "text/vtt")
        source.file(f"{base}/transcript", b"<html><p>Hej</p></html>", "text/html")
        item.extra = (
            f'<podcast:transcript url="{source.url(base + "/transcript")}" type="text/html" />'
            f'<podcast:transcript url="{source.url(base + "/transcript.vtt")}" type="text/vtt"'
            ' language="sv" rel="captions" />'
            f'<podcast:chapters url="{source.url(base + "/chapters.json")}"'
            ' type="application/json+chapters" />'
        )
    anna = source.file("/people/anna.jpg", cover_jpeg(), "image/jpeg")
    feed = buzzsprout_feed(source, items, artwork, person_img=anna)
    url = source.file("/123456.rss", feed, "application/rss+xml")

    with pytest.raises(InvalidInput, match="locked"), app.app_context():
        from app.services import imports

        imports.start_import(imports.fetch_feed_source(url))
    assert row_counts(app)["shows"] == 0

    slug, _ = run_import(app, url, owner_confirmed=True)

    new_feed = published_feed(app, slug)
    assert_same_episodes(feed, new_feed)
    text = new_feed.decode()
    # The show keeps its podcast:guid; a new host's feed is not locked until asked.
    assert "<podcast:guid>5e0bb2a4-0c4d-5d0b-9b4b-3a7b0b2b4a11</podcast:guid>" in text
    # The show's person picture is our stored copy now, not the old host's.
    assert f'img="{anna}"' not in text
    assert re.search(
        rf'<podcast:person role="host" img="http://podcasts\.test/media/{slug}/pictures/[0-9a-f]+-1'
        r'\.jpg">Anna Andersson',
        text,
    )
    assert '<podcast:person role="host" href="https://malmo.se/anna">Anna Andersson' in text
    assert '<podcast:funding url="https://malmo.se/stod">Stöd oss</podcast:funding>' in text
    assert '<podcast:season name="Våren">1</podcast:season>' in text
    client = app.test_client()
    episode = parsed(new_feed)["episodes"][0]
    chapters = client.get(episode["link"].replace("http://podcasts.test", "") + "/chapters.json")
    assert chapters.status_code == 200
    assert [c["title"] for c in chapters.get_json(force=True)["chapters"]] == ["Intro", "Mitten"]
    transcript = client.get(
        episode["link"].replace("http://podcasts.test", "") + "/transcript.sv.vtt"
    )
    assert transcript.status_code == 200
    assert "Hej och välkommen." in transcript.get_data(as_text=True)


def test_episode_artwork_is_stored_and_a_broken_one_is_only_noted(
    app, source, artwork, audio_dir, small_jpeg
):
    from app.extensions import db
    from app.models import Episode

    items = episodes(audio_dir / "tone.mp3", 2)
    serve_audio(source, items)
    items[0].extra = f'<podcast:image href="{source.file("/e1.jpg", small_jpeg, "image/jpeg")}"/>'
    items[1].extra = f'<podcast:image href="{source.url("/missing.jpg")}"/>'
    feed = libsyn_feed(source, items, artwork).replace(
        f'<itunes:image href="{artwork}"/>\n<description><![CDATA[<p>Plain'.encode(),
        b"<description><![CDATA[<p>Plain",
    )
    slug, job_id = run_import(app, source.file("/rss", feed, "application/rss+xml"))
    states = job_items(app, job_id)
    assert [state for _, state, _ in states] == ["done", "done"]
    assert "Episode artwork left out" in states[1][2] and "HTTP 404" in states[1][2]
    missing = source.url("/missing.jpg")
    assert progress_notes(app, slug)["items"] == [
        (None, ""),
        (
            None,
            f"Avsnittets omslagsbild utelämnades: {missing} svarade HTTP 404 i stället för "
            "att skicka filen.",
        ),
    ]
    assert progress_notes(app, slug, "en")["items"][1] == (
        None,
        f"The episode’s artwork was left out: {missing} answered HTTP 404, not the file.",
    )
    with app.app_context():
        images = {e.guid: e.image for e in db.session.scalars(db.select(Episode))}
        assert images["ep-guid-1"].mime_type == "image/jpeg"
        assert images["ep-guid-1"].size == len(small_jpeg)
        assert images["ep-guid-2"] is None
