"""oEmbed answers for show and episode URLs of this site, in JSON and XML."""

from __future__ import annotations

import re
from xml.etree import ElementTree

EPISODE_URL = "http://podcasts.test/testpodden/episodes/forsta"


def test_episode_url_gives_a_rich_iframe(client, published):
    response = client.get("/oembed", query_string={"url": EPISODE_URL})
    data = response.get_json()
    assert response.status_code == 200
    assert data["version"] == "1.0" and data["type"] == "rich"
    assert data["title"] == "Första"
    assert (data["width"], data["height"]) == (600, 400)
    assert 'src="http://podcasts.test/embed/testpodden/forsta"' in data["html"]
    assert 'title="Första"' in data["html"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_show_url_embeds_the_latest_episode(client, published):
    data = client.get("/oembed", query_string={"url": "http://podcasts.test/testpodden/"}).json
    assert 'src="http://podcasts.test/embed/testpodden"' in data["html"]
    assert data["title"] == "Testpodden"


def test_xml_format(client, published):
    response = client.get("/oembed", query_string={"url": EPISODE_URL, "format": "xml"})
    assert response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "oembed"
    assert root.findtext("type") == "rich"
    assert "<iframe" in root.findtext("html")


def test_small_max_height_gives_the_compact_player(client, published):
    query = {"url": EPISODE_URL, "maxwidth": "400", "maxheight": "200"}
    data = client.get("/oembed", query_string=query).json
    assert (data["width"], data["height"]) == (400, 150)
    assert "?compact=1" in data["html"]


REFUSALS = (
    ({}, 422),
    ({"url": "https://example.org/testpodden/"}, 404),
    ({"url": "http://podcasts.test/finns-inte/"}, 404),
    ({"url": "http://podcasts.test/studio/"}, 404),
    ({"url": "http://podcasts.test/testpodden/episodes/nej"}, 404),
    ({"url": EPISODE_URL, "format": "yaml"}, 501),
    ({"url": EPISODE_URL, "maxwidth": "200"}, 501),
    ({"url": EPISODE_URL, "maxwidth": "wide"}, 422),
)


def test_refusals(client, published):
    for query, status in REFUSALS:
        assert client.get("/oembed", query_string=query).status_code == status, query


def test_discovery_link_round_trip(client, published):
    """A CMS reads the page's oEmbed link, follows it, and gets this episode's player."""
    page = client.get("/testpodden/episodes/forsta").get_data(as_text=True)
    href = re.search(r'type="application/json\+oembed" href="([^"]+)"', page).group(1)
    data = client.get(href.replace("&amp;", "&").removeprefix("http://podcasts.test")).json
    embed = re.search(r'src="http://podcasts.test([^"]+)"', data["html"]).group(1)
    assert client.get(embed).status_code == 200
