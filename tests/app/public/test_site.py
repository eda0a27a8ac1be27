"""The public site: pagination, sharing and SEO metadata, subscribe buttons, languages, cookies."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest

from app.services import catalog
from app.services.directories import set_directory_link
from app.services.episodes import add_episode

EPISODE = "/testpodden/episodes/forsta"


@pytest.fixture
def published(app, show, audio_dir):
    """Three published episodes and one draft, added through the service."""
    with app.app_context():
        for title, day in (("Första", 1), ("Andra", 2), ("Tredje", 3)):
            with (audio_dir / "tone.mp3").open("rb") as audio:
                add_episode(
                    show,
                    audio,
                    title=title,
                    description=f"Om {title} i Lindängen.",
                    published_at=datetime(2025, 1, day, 7, tzinfo=UTC),
                )
        with (audio_dir / "tone.mp3").open("rb") as audio:
            add_episode(show, audio, title="Utkast", publish=False)
    return show


def meta(page: str, key: str) -> str:
    match = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', page)
    assert match, f"no {key} meta"
    return match.group(1)


def json_ld(page: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match
    return json.loads(match.group(1))


def test_show_page_paginates_newest_first(client, published, monkeypatch):
    monkeypatch.setattr(catalog, "EPISODES_PER_PAGE", 2)
    first = client.get("/testpodden/").get_data(as_text=True)
    second = client.get("/testpodden/?page=2").get_data(as_text=True)
    assert first.index("Tredje") < first.index("Andra")
    assert "Första" not in first and "Första" in second
    assert "Utkast" not in first + second
    assert 'rel="next" href="/testpodden/?page=2"' in first
    assert 'rel="prev" href="/testpodden/"' in second
    assert '<link rel="canonical" href="http://podcasts.test/testpodden/?page=2">' in second


def test_pages_outside_the_range_are_404(client, published, monkeypatch):
    monkeypatch.setattr(catalog, "EPISODES_PER_PAGE", 2)
    for page in ("0", "3", "abc", "-1"):
        response = client.get(f"/testpodden/?page={page}")
        assert response.status_code == 404, page
        assert "page" in response.get_data(as_text=True)


def test_episode_page_has_sharing_and_seo_metadata(client, published):
    page = client.get(EPISODE).get_data(as_text=True)
    canonical = "http://podcasts.test/testpodden/episodes/forsta"
    assert f'<link rel="canonical" href="{canonical}">' in page
    assert meta(page, "og:title") == "Första"
    assert meta(page, "og:url") == canonical
    assert meta(page, "og:audio").startswith("http://podcasts.test/media/testpodden/")
    assert meta(page, "twitter:card") == "summary"
    assert 'type="application/rss+xml"' in page
    assert (
        '<link rel="alternate" type="application/json+oembed" '
        f'href="http://podcasts.test/oembed?url={canonical}&amp;format=json"'
    ) in page
    data = json_ld(page)
    assert data["@type"] == "PodcastEpisode"
    assert data["partOfSeries"]["url"] == "http://podcasts.test/testpodden/"
    assert data["associatedMedia"]["duration"] == "PT3S"
    assert data["datePublished"] == "2025-01-01"


def test_show_page_has_series_json_ld_and_subscribe_links(app, client, published):
    page = client.get("/testpodden/").get_data(as_text=True)
    data = json_ld(page)
    assert data["@type"] == "PodcastSeries"
    assert data["webFeed"] == "http://podcasts.test/testpodden/feed.xml"
    assert 'href="podcast://podcasts.test/testpodden/feed.xml"' in page
    assert 'href="pktc://subscribe/podcasts.test/testpodden/feed.xml"' in page
    assert "overcast://x-callback-url/add?url=http%3A%2F%2Fpodcasts.test" in page
    assert 'href="gpodder://podcasts.test/testpodden/feed.xml"' in page
    assert "Spotify" not in page  # Spotify takes no feed address, only a directory link
    assert 'value="http://podcasts.test/testpodden/feed.xml" aria-describedby' in page


def test_directory_links_replace_deep_links(app, client, published):
    apple = "https://podcasts.apple.com/se/podcast/testpodden/id1"
    with app.app_context():
        set_directory_link(published, "apple", apple)
        set_directory_link(published, "spotify", "https://open.spotify.com/show/abc")
    page = client.get("/testpodden/").get_data(as_text=True)
    assert f'href="{apple}">Apple Podcasts' in page
    assert "podcast://" not in page
    assert 'href="https://open.spotify.com/show/abc">Spotify' in page


def test_language_follows_browser_and_switch(client, published):
    swedish = client.get("/testpodden/").get_data(as_text=True)
    assert '<html lang="sv">' in swedish and "Prenumerera" in swedish
    english = client.get("/testpodden/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    switched = client.get("/testpodden/?lang=en", headers={"Accept-Language": "sv"})
    page = switched.get_data(as_text=True)
    assert '<html lang="en">' in page and "Subscribe" in page
    assert 'href="/testpodden/episodes/tredje?lang=en"' in page  # the choice is carried on
    assert '<link rel="canonical" href="http://podcasts.test/testpodden/">' in page
    assert 'href="/testpodden/?lang=sv" lang="sv"' in page


PUBLIC_URLS = (
    "/",
    "/testpodden/",
    EPISODE,
    "/search?q=om",
    "/sitemap.xml",
    "/robots.txt",
    "/embed/testpodden",
    "/embed/testpodden/forsta",
    f"/oembed?url=http://podcasts.test{EPISODE}",
)


def test_public_pages_set_no_cookies(client, published):
    for url in PUBLIC_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url


def test_sitemap_lists_shows_and_published_episodes(client, published):
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ElementTree.fromstring(response.data)
    urls = [loc.text for loc in root.findall("s:url/s:loc", namespace)]
    assert "http://podcasts.test/testpodden/" in urls
    assert "http://podcasts.test/testpodden/episodes/tredje" in urls
    assert not any("utkast" in url for url in urls)
    assert len(urls) == 4


def test_robots_points_to_the_sitemap(client):
    body = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://podcasts.test/sitemap.xml" in body
    assert "Disallow: /studio/" in body


def test_show_notes_are_escaped(app, client, show, audio_dir):
    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as audio:
        add_episode(show, audio, title="<b>Fet</b>", description="<script>alert(1)</script>")
    page = client.get("/testpodden/episodes/b-fet-b").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    "path", ["/%00/", "/testpodden%00/feed.xml", "/embed/a%00b", "/studio/x%00/"]
)
def test_a_nul_byte_in_the_address_is_no_page(client, show, path):
    """PostgreSQL refuses NUL in a text parameter: a slug with one was a 500 there."""
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "There is no page at this address." in response.get_data(as_text=True)


def test_directories_come_first_and_deep_links_name_their_platforms(app, client, published):
    with app.app_context():
        set_directory_link(published, "youtubemusic", "https://music.youtube.com/playlist?list=x")
    page = client.get("/testpodden/").get_data(as_text=True)
    buttons = re.findall(r'<li( data-platforms="[a-z ]+" hidden)?><a class="button" href', page)
    assert buttons[0] == ""  # YouTube Music's page, for everyone
    assert all(buttons[1:])  # then app links, shown by site.js only on their platforms
    assert '<li data-platforms="android" hidden><a class="button" href="https://antennapod' in page
    assert '<li data-platforms="ios mac" hidden><a class="button" href="podcast://' in page
    assert "where it says “Add podcast by URL”" in client.get("/testpodden/?lang=en").get_data(
        as_text=True
    )


def test_pages_show_cover_credits_and_babel_numbers(app, client, published):
    from app.services.feed_extras import set_persons

    with app.app_context():
        set_persons(published, [{"name": "Anna Andersson", "role": "host", "href": "https://a.se"}])
    show = client.get("/testpodden/").get_data(as_text=True)
    episode = client.get("/testpodden/episodes/forsta").get_data(as_text=True)
    for page in (show, episode):
        assert '<a href="https://a.se">Anna Andersson</a></span>, programledare' in page
        assert re.search(
            r'<img class="artwork" src="http://podcasts.test/covers/320/[^"]+" '
            r'srcset="[^"]+192w, [^"]+320w, [^"]+640w"',
            page,
        )
        assert 'width="320" height="320"' in page
        assert '<meta property="og:image" content="http://podcasts.test/covers/1200/' in page
    assert "3 s" in episode and "0 min" not in episode  # a 3-second episode
    size = re.search(r"\((\d+(?:,\d)? kB)\)", episode)
    assert size, "size with a Swedish decimal comma"
    english = client.get("/testpodden/episodes/forsta?lang=en").get_data(as_text=True)
    assert "3 sec" in english


def test_covers_are_scaled_and_only_covers_are_served(app, client, published):
    import io

    from PIL import Image

    page = client.get("/testpodden/").get_data(as_text=True)
    url = re.search(r'src="http://podcasts.test(/covers/320/[^"]+)"', page).group(1)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(response.data)).size == (320, 320)
    assert "immutable" in response.headers["Cache-Control"]
    assert client.get(url.replace("/320/", "/321/")).status_code == 404
    audio = re.search(
        r'<audio[^>]+src="http://podcasts.test/media/([^"]+)"',
        client.get("/testpodden/episodes/forsta").get_data(as_text=True),
    ).group(1)
    assert client.get(f"/covers/320/{audio}").status_code == 404  # audio is no cover


def test_feed_carries_its_stylesheet_and_browsers_get_an_xml_type(app, client, published):
    feed = client.get("/testpodden/feed.xml")
    assert feed.data.startswith(
        b"<?xml version='1.0' encoding='UTF-8'?>\n"
        b'<?xml-stylesheet type="text/xsl" href="/feed.xsl"?>\n<rss'
    )
    assert feed.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    browser = client.get("/testpodden/feed.xml", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert browser.data == feed.data
    sheet = client.get("/feed.xsl", headers={"Accept-Language": "en"})
    assert sheet.mimetype == "text/xsl" and "How to subscribe" in sheet.get_data(as_text=True)
    swedish = client.get("/feed.xsl", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Så prenumererar du" in swedish
