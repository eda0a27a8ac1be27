"""Feeds as they really are: relative URLs, no durations, duplicate or missing GUIDs.

And the job's promises: it resumes after a crash without duplicates, and a
re-import adds only what is new.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.services import imports
from tests.app.conftest import row_counts, stored_keys
from tests.app.imports.helpers import (
    items_by_guid,
    job_items,
    parsed,
    progress_notes,
    published_feed,
    run_import,
)
from tests.app.imports.source import NAMESPACES, episodes, libsyn_feed, serve_audio

START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def plain_feed(items_xml: str, extra_channel: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" {NAMESPACES}><channel>
<title>Hemmagjord podd</title><link>https://example.org/</link><language>sv</language>
<description>En podd på en egen server.</description>
<itunes:owner><itunes:email>hem@example.org</itunes:email></itunes:owner>
{extra_channel}
{items_xml}
</channel></rss>""".encode()


def item(
    title: str,
    enclosure: str,
    day: int,
    guid: str | None = None,
    duration: str | None = None,
    extra: str = "",
) -> str:
    date = (START + timedelta(days=day)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    return (
        f"<item><title>{title}</title><pubDate>{date}</pubDate>"
        + (f"<guid>{guid}</guid>" if guid else "")
        + f'<enclosure url="{enclosure}" type="audio/mpeg" length="1"/>'
        + (f"<itunes:duration>{duration}</itunes:duration>" if duration else "")
        + f"{extra}</item>"
    )


def test_relative_urls_resolve_against_the_feed_address(app, source, artwork, audio_dir):
    audio = (audio_dir / "tone.mp3").read_bytes()
    source.file("/shows/hem/media/ett.mp3", audio, "audio/mpeg")
    source.file("/media/tva.mp3", audio, "audio/mpeg")
    source.file("/shows/hem/cover.png", source.routes["/art/cover.png"][2], "image/png")
    feed = plain_feed(
        item("Ett", "media/ett.mp3", 1, guid="hem-1")
        + item("Två", "/media/tva.mp3", 2, guid="hem-2"),
        extra_channel='<itunes:image href="cover.png"/>',
    )
    slug, job_id = run_import(app, source.file("/shows/hem/feed.xml", feed, "text/xml"))
    assert [state for _, state, _ in job_items(app, job_id)] == ["done", "done"]
    assert "/shows/hem/cover.png" in source.requests
    assert set(items_by_guid(published_feed(app, slug))) == {"hem-1", "hem-2"}


def test_missing_durations_come_from_the_downloaded_audio(app, source, artwork, audio_dir):
    items = episodes(audio_dir / "tone.mp3", 2)
    for entry in items:
        entry.duration = None
    serve_audio(source, items)
    feed = libsyn_feed(source, items, artwork)
    assert b"itunes:duration" not in feed
    slug, _ = run_import(app, source.file("/rss", feed, "application/rss+xml"))
    after = items_by_guid(published_feed(app, slug))
    assert {episode["total_time"] for episode in after.values()} == {3}


def test_duplicate_guids_keep_the_first_and_report_the_second(app, source, audio_dir):
    audio = (audio_dir / "tone.mp3").read_bytes()
    for name in ("a", "b", "c"):
        source.file(f"/{name}.mp3", audio, "audio/mpeg")
    feed = plain_feed(
        item("Nyast", source.url("/c.mp3"), 3, guid="same")
        + item("Mitten", source.url("/b.mp3"), 2, guid="unique")
        + item("Äldst", source.url("/a.mp3"), 1, guid="same")
    )
    slug, job_id = run_import(app, source.file("/rss", feed, "application/rss+xml"))
    states = job_items(app, job_id)
    assert [state for _, state, _ in states] == ["done", "done", "skipped"]
    assert "Duplicate GUID" in states[2][2] and "item 1" in states[2][2]
    assert progress_notes(app, slug)["items"] == [
        (None, ""),
        (None, ""),
        (
            None,
            "Avsnitt 1 i flödet har redan GUID:en ”same”, så det här hoppades över: "
            "apparna skulle ta de två för samma avsnitt.",
        ),
    ]
    assert progress_notes(app, slug, "en")["items"][2] == (
        None,
        "Episode 1 of the feed already has the GUID “same”, so this one was skipped: "
        "apps would take the two for one episode.",
    )
    after = parsed(published_feed(app, slug))["episodes"]
    assert [(e["guid"], e["title"]) for e in after] == [("same", "Nyast"), ("unique", "Mitten")]
    assert "/a.mp3" not in source.requests  # a skipped item is never downloaded


def test_items_without_guid_keep_their_enclosure_url_as_guid(app, source, audio_dir):
    """What podcast apps use to recognise an item without a GUID, so played state survives."""
    audio = (audio_dir / "tone.mp3").read_bytes()
    urls = [source.file(f"/ep{n}.mp3?src=rss", audio, "audio/mpeg") for n in (1, 2)]
    feed = plain_feed(
        item("Ett", urls[0].replace("&", "&amp;"), 1, duration="3")
        + item("Två", urls[1], 2, duration="0:03")
    )
    slug, _ = run_import(app, source.file("/rss", feed, "application/rss+xml"))
    after = items_by_guid(published_feed(app, slug))
    assert set(after) == set(urls)
    before = parsed(feed, source.url("/rss"))["episodes"]
    assert sorted(e["published"] for e in before) == sorted(e["published"] for e in after.values())


def test_an_interrupted_import_resumes_without_duplicates(app, source, artwork, audio_dir):
    items = episodes(audio_dir / "tone.mp3", 3)
    serve_audio(source, items)
    url = source.file("/rss", libsyn_feed(source, items, artwork), "application/rss+xml")
    with app.app_context():
        job = imports.start_import(imports.fetch_feed_source(url))
        job_id, slug = job.id, job.show.slug
        imports.claim_job("worker-that-dies", job_id)
        imports.run_job(job_id, "worker-that-dies", max_items=1)  # then the process "dies"
        # While its lease holds, no one else takes the job ...
        assert imports.run_pending("second-worker") == []
        # ... and once it has run out, the next worker continues where it stopped.
        from app.extensions import db
        from app.models import ImportJob

        db.session.get(ImportJob, job_id).lease_until = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
        assert imports.run_pending("second-worker") == [job_id]
    assert [state for _, state, _ in job_items(app, job_id)] == ["done"] * 3
    assert row_counts(app)["episodes"] == 3
    assert len([k for k in stored_keys(app) if k.endswith(".mp3")]) == 3
    assert len(items_by_guid(published_feed(app, slug))) == 3


def test_reimport_adds_only_new_episodes(app, source, artwork, audio_dir):
    items = episodes(audio_dir / "tone.mp3", 3)
    serve_audio(source, items)
    url = source.file("/rss", libsyn_feed(source, items[:2], artwork), "application/rss+xml")
    slug, _ = run_import(app, url)
    source.file("/rss", libsyn_feed(source, items, artwork), "application/rss+xml")
    fetched_before = len(source.requests)
    with app.app_context():
        job = imports.start_reimport(slug, imports.fetch_feed_source(url))
        assert [item.guid for item in job.items] == ["ep-guid-3"]
        imports.run_pending("test")
    audio_requests = [p for p in source.requests[fetched_before:] if p.startswith("/media/")]
    assert audio_requests == ["/media/ep3.mp3"]
    assert row_counts(app)["episodes"] == 3
    assert set(items_by_guid(published_feed(app, slug))) == {f"ep-guid-{n}" for n in (1, 2, 3)}


def test_cli_imports_a_url_and_a_file(app, source, artwork, audio_dir, tmp_path):
    items = episodes(audio_dir / "tone.mp3", 1)
    serve_audio(source, items)
    feed = libsyn_feed(source, items, artwork)
    url = source.file("/rss", feed, "application/rss+xml")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["shows", "import", url, "--slug", "fran-url"])
    assert result.exit_code == 0, result.output
    assert "fran-url: 1 imported, 0 skipped, 0 left." in result.output
    path = tmp_path / "feed.xml"
    path.write_bytes(feed.replace(b"ep-guid-1", b"file-guid-1"))
    result = runner.invoke(
        args=["shows", "import", str(path), "--slug", "fran-fil", "--background"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["imports", "run"])
    assert result.exit_code == 0 and "finished" in result.output
    assert set(items_by_guid(published_feed(app, "fran-fil"))) == {"file-guid-1"}
    taken = runner.invoke(args=["shows", "import", url, "--slug", "fran-url"])
    assert taken.exit_code == 1 and "already in the show" in taken.output


def test_storage_down_pauses_the_import_instead_of_skipping_everything(
    app, source, artwork, audio_dir, broken_storage
):
    items = episodes(audio_dir / "tone.mp3", 2)
    serve_audio(source, items)
    url = source.file("/rss", libsyn_feed(source, items, artwork), "application/rss+xml")
    with app.app_context():
        job = imports.start_import(imports.fetch_feed_source(url))
        job_id, slug = job.id, job.show.slug
        working = app.extensions["storage"]
        app.extensions["storage"] = broken_storage
        imports.run_pending("test")
        app.extensions["storage"] = working
    paused = job_items(app, job_id)
    assert [state for _, state, _ in paused] == ["pending", "pending"]
    assert row_counts(app)["episodes"] == 0
    assert progress_notes(app, slug)["job"] == (
        None,
        "Importen har pausats: filerna kan inte lagras just nu. "
        "Den fortsätter av sig själv om en stund.",
    )
    assert progress_notes(app, slug, "en")["job"] == (
        None,
        "The import is paused: the files cannot be stored right now. "
        "It continues by itself shortly.",
    )
    with app.app_context():
        from app.extensions import db
        from app.models import ImportJob

        job = db.session.get(ImportJob, job_id)
        assert job.message.startswith("Paused:")
        job.lease_until = None  # the pause has passed
        db.session.commit()
        imports.run_pending("test")
    assert [state for _, state, _ in job_items(app, job_id)] == ["done", "done"]
    assert progress_notes(app, slug)["job"] is None  # the pause is over
    assert len(items_by_guid(published_feed(app, slug))) == 2
    assert row_counts(app)["stored_files"] == len(stored_keys(app))
