"""Import notes on the studio's progress page: in the reader's language, or as stored."""

from __future__ import annotations

from app.services import imports
from tests.app.imports.helpers import job_items, progress_notes, run_import
from tests.app.imports.source import episodes, libsyn_feed, serve_audio
from tests.app.imports.test_shapes import item, plain_feed


def test_a_row_written_before_codes_were_kept_shows_its_english_marked_as_such(app, source):
    """Items refused before any download; the second one then loses its codes, as rows
    written before migration 0015 have none."""
    from app.extensions import db
    from app.models import ImportItem

    undated = item("Utan datum", source.url("/b.mp3"), 2, guid="b").replace(
        "<pubDate>", "<pubDate>inte ett datum"
    )
    feed = plain_feed(item("Utan ljud", "", 1, guid="a").replace('url=""', "") + undated)
    with app.app_context():
        job = imports.start_import(imports.FeedSource(feed, "upload:feed.xml", None, None))
        slug = job.show.slug
        assert [(i.state, i.message_codes[0]["code"]) for i in job.items] == [
            ("skipped", "no-enclosure"),
            ("skipped", "no-pubdate"),
        ]
    assert progress_notes(app, slug)["items"] == [
        (None, "Avsnittet har ingen ljudfil (enclosure) i flödet."),
        (
            None,
            "Avsnittet har inget giltigt publiceringsdatum (pubDate), så dess plats i flödet "
            "är okänd.",
        ),
    ]
    with app.app_context():
        old = db.session.scalars(db.select(ImportItem).order_by(ImportItem.position)).all()[1]
        old.message_codes = None
        db.session.commit()
    english = "The item has no valid pubDate, so its place in the feed is unknown."
    assert progress_notes(app, slug)["items"][1] == ("en", english)
    assert progress_notes(app, slug, "en")["items"] == [
        (None, "The episode has no audio file (enclosure) in the feed."),
        ("en", english),
    ]


def test_chapters_left_out_are_noted_in_the_readers_language(app, source, artwork, audio_dir):
    """A chapters file that is gone, one that is no JSON, and one without a chapters list."""
    items = episodes(audio_dir / "tone.mp3", 3)
    serve_audio(source, items)
    gone = source.url("/1/chapters.json")
    not_json = source.file("/2/chapters.json", b"<html>Log in</html>", "application/json")
    no_list = source.file("/3/chapters.json", b'{"version": "1.2.0"}', "application/json")
    for entry, url in zip(items, (gone, not_json, no_list), strict=True):
        entry.extra = f'<podcast:chapters url="{url}" type="application/json+chapters" />'
    feed = libsyn_feed(source, items, artwork)
    slug, job_id = run_import(app, source.file("/rss", feed, "application/rss+xml"))

    states = job_items(app, job_id)
    assert [state for _, state, _ in states] == ["done"] * 3
    assert all(message.startswith("Chapters left out: ") for _, _, message in states)
    assert progress_notes(app, slug)["items"] == [
        (None, f"Kapitlen utelämnades: {gone} svarade HTTP 404 i stället för att skicka filen."),
        (None, "Kapitlen utelämnades: filen är ingen läsbar JSON-kapitelfil."),
        (None, "Kapitlen utelämnades: Kapitelfilen har ingen lista med kapitel."),
    ]
    assert progress_notes(app, slug, "en")["items"] == [
        (None, f"The chapters were left out: {gone} answered HTTP 404, not the file."),
        (None, "The chapters were left out: the file is not readable JSON chapters."),
        (None, "The chapters were left out: The chapters file has no list of chapters."),
    ]
