"""Import notes on the studio's progress page: in the reader's language, or as stored."""

from __future__ import annotations

from app.services import imports
from tests.app.imports.helpers import progress_notes
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
