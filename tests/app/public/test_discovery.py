"""Every public page offers oEmbed discovery, and what it points at embeds a player."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from urllib.parse import urlsplit

import pytest

from app.services.episodes import add_episode
from app.services.shows import create_show

PAGES = (
    "/",
    "/?lang=en",
    "/testpodden/",
    "/testpodden/episodes/nyast",
    "/search",
    "/search?q=nyast",
    "/search?q=finnsinte",
    "/privacy",
    "/privacy?lang=en",
)


@pytest.fixture
def two_shows(app, show, audio_dir):
    """An older show listed first (by title), and testpodden with the newest episode."""
    with app.app_context():
        create_show("aldre", title="Äldre podden", language="sv", owner_email="a@example.org")
        for slug, title, day in (("aldre", "Gammalt", 1), (show, "Nyast", 9)):
            with (audio_dir / "tone.mp3").open("rb") as audio:
                add_episode(
                    slug, audio, title=title, published_at=datetime(2025, 1, day, tzinfo=UTC)
                )
    return show


def oembed_links(html: str) -> dict[str, str]:
    return {
        kind: unescape(href)
        for kind, href in re.findall(
            r'<link rel="alternate" type="(application/json\+oembed|text/xml\+oembed)" '
            r'href="([^"]+)"',
            html,
        )
    }


@pytest.mark.parametrize("path", PAGES)
def test_every_public_page_has_oembed_discovery_that_resolves(client, two_shows, path):
    response = client.get(path)
    assert response.status_code == 200
    links = oembed_links(response.get_data(as_text=True))
    assert set(links) == {"application/json+oembed", "text/xml+oembed"}
    answer = client.get(
        urlsplit(links["application/json+oembed"])._replace(scheme="", netloc="").geturl()
    )
    assert answer.status_code == 200
    assert '<iframe src="http://podcasts.test/embed/testpodden' in answer.json["html"]
    xml = client.get(urlsplit(links["text/xml+oembed"])._replace(scheme="", netloc="").geturl())
    assert xml.status_code == 200 and xml.mimetype == "text/xml"


def test_pages_without_a_show_embed_the_show_with_the_newest_episode(client, two_shows):
    """Not the first show listed (Äldre podden): its player plays the site's newest episode."""
    for path in ("/", "/privacy", "/search?q=finnsinte"):
        href = oembed_links(client.get(path).get_data(as_text=True))["application/json+oembed"]
        assert "url=http://podcasts.test/testpodden/&" in href, path


def test_search_embeds_its_first_hit(client, two_shows):
    html = client.get("/search?q=gammalt").get_data(as_text=True)
    href = oembed_links(html)["application/json+oembed"]
    assert "url=http://podcasts.test/aldre/episodes/gammalt&" in href


def test_nothing_published_means_nothing_to_embed(client, show):
    """The oEmbed answer would be a 404, so no page offers it."""
    for path in ("/", "/privacy", "/search?q=x"):
        assert oembed_links(client.get(path).get_data(as_text=True)) == {}, path
