"""Chapters, transcripts and persons: stored through the services, served with CORS."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from lxml import etree
from sqlalchemy import event

from app.extensions import db
from app.services.errors import InvalidInput, NotFound, UnsupportedMedia
from app.services.feed import show_feed
from app.services.feed_extras import (
    add_alternate_enclosure,
    add_transcript,
    set_chapters,
    set_persons,
    update_episode_feed,
)
from app.services.shows import get_show
from tests.app.conftest import row_counts, stored_keys
from tests.app.feeds.conftest import add

NS = {
    "podcast": "https://podcastindex.org/namespace/1.0",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
VTT = "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\n<v Åsa>Hej och välkommen.\n".encode()


@pytest.fixture
def episode(app, show, audio_dir):
    return add(app, show, audio_dir, "Rosengård", datetime(2025, 1, 1, tzinfo=UTC))


def test_chapters_are_served_as_json_chapters(app, client, show, episode):
    with app.app_context():
        set_chapters(
            show,
            episode,
            [{"start": 60, "title": "Skolan"}, {"start": 0, "title": "Intro", "img": "i.jpg"}],
        )
    response = client.get(f"/{show}/episodes/{episode}/chapters.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json+chapters"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert [c["title"] for c in json.loads(response.data)["chapters"]] == ["Intro", "Skolan"]
    item = etree.fromstring(client.get(f"/{show}/feed.xml").data).find("channel/item")
    assert item.xpath("podcast:chapters/@url", namespaces=NS) == [
        f"http://podcasts.test/{show}/episodes/{episode}/chapters.json"
    ]


def test_no_chapters_is_404(client, show, episode):
    assert client.get(f"/{show}/episodes/{episode}/chapters.json").status_code == 404


@pytest.mark.parametrize(
    ("fmt", "mimetype", "needle"),
    [
        ("vtt", "text/vtt", "<v Åsa>Hej och välkommen."),
        ("srt", "application/x-subrip", "00:00:00,500 --> 00:00:02,000"),
        ("json", "application/json", '"speaker": "Åsa"'),
        ("html", "text/html", "<cite>Åsa:</cite>"),
    ],
)
def test_transcripts_in_every_format(app, client, show, episode, fmt, mimetype, needle):
    with app.app_context():
        add_transcript(show, episode, "sv", io.BytesIO(VTT), "avsnitt.vtt")
    response = client.get(f"/{show}/episodes/{episode}/transcript.sv.{fmt}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert needle in response.get_data(as_text=True)


def test_transcripts_per_language_are_listed_in_the_feed(app, client, show, episode):
    srt = b"1\n00:00:01,000 --> 00:00:02,000\nHello.\n"
    with app.app_context():
        add_transcript(show, episode, "sv", io.BytesIO(VTT))
        add_transcript(show, episode, "en", io.BytesIO(srt))
        add_transcript(show, episode, "en", io.BytesIO(srt))  # replaces, does not duplicate
    item = etree.fromstring(client.get(f"/{show}/feed.xml").data).find("channel/item")
    languages = item.xpath("podcast:transcript/@language", namespaces=NS)
    assert sorted(set(languages)) == ["en", "sv"]
    assert len(languages) == 8  # two languages, four formats each
    assert client.get(f"/{show}/episodes/{episode}/transcript.fi.vtt").status_code == 404
    assert client.get(f"/{show}/episodes/{episode}/transcript.sv.doc").status_code == 404


def test_a_bad_transcript_leaves_nothing_behind(app, show, episode):
    before_rows, before_keys = row_counts(app), stored_keys(app)
    with (
        app.app_context(),
        pytest.raises(InvalidInput, match="not a WebVTT, SRT, JSON or HTML transcript"),
    ):
        add_transcript(show, episode, "sv", io.BytesIO(b"not a transcript"))
    assert row_counts(app) == before_rows
    assert stored_keys(app) == before_keys


def test_persons_on_show_and_episode(app, client, show, episode):
    with app.app_context():
        set_persons(show, [{"name": "Åsa Öberg", "role": "host", "img": "https://p/a.jpg"}])
        set_persons(show, [{"name": "Amal", "role": "guest"}], episode_slug=episode)
    root = etree.fromstring(client.get(f"/{show}/feed.xml").data)
    assert root.xpath("channel/podcast:person/text()", namespaces=NS) == ["Åsa Öberg"]
    assert root.xpath("channel/item/podcast:person/@role", namespaces=NS) == ["guest"]
    with app.app_context():
        set_persons(show, [])
    root = etree.fromstring(client.get(f"/{show}/feed.xml").data)
    assert root.xpath("channel/podcast:person", namespaces=NS) == []


def test_show_notes_are_sanitized_into_content_encoded(app, client, show, episode):
    notes = '<p>Läs <a href="https://malmo.se">mer</a></p><script>alert(1)</script>'
    with app.app_context():
        update_episode_feed(show, episode, notes_html=notes)
    item = etree.fromstring(client.get(f"/{show}/feed.xml").data).find("channel/item")
    assert item.findtext("content:encoded", namespaces=NS) == (
        '<p>Läs <a href="https://malmo.se" rel="noopener nofollow">mer</a></p>'
    )


def test_render_makes_no_query_per_episode(app, show, audio_dir):
    """The number of queries of a cold render does not grow with the episodes (no N+1)."""

    def queries_for_render() -> int:
        with app.test_request_context():
            statements = []
            listen = lambda *args: statements.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listen)
            try:
                show_feed(get_show(show))
            finally:
                event.remove(db.engine, "before_cursor_execute", listen)
            return len(statements)

    slugs = [
        add(app, show, audio_dir, f"A{n}", datetime(2025, 1, 1 + n, tzinfo=UTC)) for n in (1, 2)
    ]
    with app.app_context():
        for slug in slugs:
            add_transcript(show, slug, "sv", io.BytesIO(VTT))
            set_chapters(show, slug, [{"start": 0, "title": "Intro"}])
    few = queries_for_render()
    for n in range(3, 7):
        add(app, show, audio_dir, f"A{n}", datetime(2025, 1, 1 + n, tzinfo=UTC))
    assert queries_for_render() == few


def test_the_cycle_collector_rests_during_a_render_and_only_then(app, show, episode):
    """Paused while the feed's rows and elements pile up (a 10,000-episode render is ~40 %
    faster), and running again afterwards, also when the render fails."""
    import gc

    from app.services.feed import rebuild_feed

    seen = []
    listen = lambda *args: seen.append(gc.isenabled())  # noqa: E731
    with app.test_request_context():
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            rebuild_feed(get_show(show))
            assert gc.isenabled()
            with pytest.raises(NotFound):
                rebuild_feed(get_show(show), page=2)  # no paging: there is no page 2
            assert gc.isenabled()
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
    assert False in seen  # the render's own queries ran with the collector paused
    gc.disable()
    try:
        with app.test_request_context():
            rebuild_feed(get_show(show))
        assert not gc.isenabled()  # a caller's choice to keep it off is left alone
    finally:
        gc.enable()


def test_alternate_enclosure_in_another_format(app, client, show, episode, audio_dir):
    with app.app_context(), (audio_dir / "tone.opus").open("rb") as opus:
        add_alternate_enclosure(show, episode, opus, title="Opus", filename="tone.opus")
    item = etree.fromstring(client.get(f"/{show}/feed.xml").data).find("channel/item")
    (alternate,) = item.xpath("podcast:alternateEnclosure", namespaces=NS)
    assert alternate.get("type") == "audio/ogg"
    assert alternate.get("title") == "Opus"
    assert int(alternate.get("length")) == (audio_dir / "tone.opus").stat().st_size
    source = alternate.find("podcast:source", namespaces=NS).get("uri")
    assert client.get(source.removeprefix("http://podcasts.test")).status_code == 200


def test_alternate_enclosure_must_be_audio(app, show, episode):
    before = row_counts(app), stored_keys(app)
    with app.app_context(), pytest.raises(UnsupportedMedia):
        add_alternate_enclosure(show, episode, io.BytesIO(b"no audio here" * 100))
    assert (row_counts(app), stored_keys(app)) == before


@pytest.mark.parametrize(
    "fields",
    [
        {"funding": [{"url": "https://x"}]},
        {"txts": "not a list"},
        {"podroll": [{"feed_url": "https://x"}]},
        {"itunes_type": "daily"},
        {"medium": "tv"},
        {"feed_page_size": 0},
        {"feed_page_size": "5"},
        {"location_name": "x" * 129},
        {"unknown_field": 1},
    ],
)
def test_bad_show_fields_are_refused(app, show, fields):
    from app.services.feed_extras import update_show_feed

    with app.app_context(), pytest.raises(InvalidInput):
        update_show_feed(show, **fields)


def test_soundbites_are_checked_and_rendered(app, client, show, episode):
    with app.app_context():
        with pytest.raises(InvalidInput, match="soundbite"):
            update_episode_feed(show, episode, soundbites=[{"start": "x", "duration": 30}])
        update_episode_feed(
            show, episode, soundbites=[{"start": 12.5, "duration": 30, "title": "Bästa biten"}]
        )
    item = etree.fromstring(client.get(f"/{show}/feed.xml").data).find("channel/item")
    assert item.xpath("podcast:soundbite/@startTime", namespaces=NS) == ["12.5"]


def test_deleting_an_episode_and_a_show_takes_their_feed_rows(app, client, show, episode):
    """Persons and the feed cache go with their episode or show (ON DELETE CASCADE)."""
    from sqlalchemy import delete, func, select

    from app.models import Episode, FeedCache, Person, Show

    with app.app_context():
        set_persons(show, [{"name": "Åsa"}])
        set_persons(show, [{"name": "Amal"}], episode_slug=episode)
    client.get(f"/{show}/feed.xml")
    with app.app_context():
        db.session.execute(delete(Episode))
        db.session.commit()
        assert db.session.scalar(select(func.count(Person.id))) == 1
        db.session.execute(delete(Show))
        db.session.commit()
        assert db.session.scalar(select(func.count(Person.id))) == 0
        assert db.session.scalar(select(func.count()).select_from(FeedCache)) == 0


def test_bad_episode_fields_and_long_names_are_refused(app, show, episode):
    with app.app_context():
        with pytest.raises(InvalidInput, match="whole number"):
            update_episode_feed(show, episode, episode_number="3")
        with pytest.raises(InvalidInput, match="at most 128"):
            update_episode_feed(show, episode, season_name="s" * 129)
        with pytest.raises(InvalidInput, match="at most 128"):
            set_persons(show, [{"name": "n" * 129}])
        with pytest.raises(InvalidInput, match="episode_type"):
            update_episode_feed(show, episode, episode_type="extra")
