"""The listener's pages and the feed, read back by real podcast parsers."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import feedparser
import podcastparser
import pytest

from app.services.episodes import add_episode
from tests.app.conftest import upload


@pytest.fixture
def published(app, show, audio_dir):
    """Two episodes published at known times, added through the service."""
    with app.app_context():
        for title, day in (("Första", 1), ("Andra & sista", 2)):
            with (audio_dir / "tone.mp3").open("rb") as audio:
                add_episode(
                    show,
                    audio,
                    title=title,
                    description=f"Om {title}",
                    published_at=datetime(2025, 1, day, 7, tzinfo=UTC),
                )
    return show


def test_index_lists_shows(client, show):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/testpodden/"' in page
    assert "Testpodden" in page


def test_show_page_lists_episodes_newest_first(client, published):
    response = client.get(f"/{published}/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.index("Andra &amp; sista") < page.index("Första")
    assert f'href="http://podcasts.test/{published}/feed.xml"' in page
    assert 'type="application/rss+xml"' in page


def test_episode_page_plays_audio(client, published):
    page = client.get(f"/{published}/episodes/forsta").get_data(as_text=True)
    assert '<audio controls preload="none" src="http://podcasts.test/media/testpodden/' in page
    assert "Om Första" in page
    assert 'lang="sv"' in page


def test_unknown_show_and_episode_are_404(client, show):
    assert client.get("/finns-inte/").status_code == 404
    assert client.get("/finns-inte/feed.xml").status_code == 404
    assert client.get(f"/{show}/episodes/finns-inte").status_code == 404


def test_feed_parses_in_podcastparser_and_feedparser(client, published, audio_dir):
    response = client.get(f"/{published}/feed.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/rss+xml"
    size = (audio_dir / "tone.mp3").stat().st_size

    parsed = podcastparser.parse(
        "http://podcasts.test/testpodden/feed.xml", io.BytesIO(response.data)
    )
    assert parsed["title"] == "Testpodden"
    assert [e["title"] for e in parsed["episodes"]] == ["Andra & sista", "Första"]
    for episode in parsed["episodes"]:
        assert episode["total_time"] == 3
        assert episode["enclosures"][0]["file_size"] == size
        assert episode["guid"]
    assert parsed["episodes"][0]["published"] == datetime(2025, 1, 2, 7, tzinfo=UTC).timestamp()

    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.language == "sv"
    assert feed.feed.image.href.startswith("http://podcasts.test/media/testpodden/artwork/")
    assert feed.entries[1].enclosures[0].length == str(size)
    assert feed.entries[1].itunes_duration == "3"


def test_feed_guids_never_change(client, studio, published, audio_dir):
    before = podcastparser.parse("x", io.BytesIO(client.get(f"/{published}/feed.xml").data))
    upload(studio, published, audio_dir / "tone.m4a", title="Tredje")
    after = podcastparser.parse("x", io.BytesIO(client.get(f"/{published}/feed.xml").data))
    old = {e["title"]: e["guid"] for e in before["episodes"]}
    assert {e["title"]: e["guid"] for e in after["episodes"] if e["title"] in old} == old


def test_feed_answers_conditional_get(client, published):
    first = client.get(f"/{published}/feed.xml")
    again = client.get(f"/{published}/feed.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.head(f"/{published}/feed.xml").status_code == 200


def test_feed_image_is_served(client, published):
    feed = feedparser.parse(client.get(f"/{published}/feed.xml").data)
    image = client.get(feed.feed.image.href.replace("http://podcasts.test", ""))
    assert image.status_code == 200
    assert image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
