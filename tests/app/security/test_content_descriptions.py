"""Issue 12, attack 8: an unsanitised show description.

``<script>`` in a show description reached the channel ``<description>`` as
escaped HTML, which readers render. Show descriptions now get the episode
notes' treatment (app.services.notes): Markdown and nh3 on the show page,
plain text, tag-like text removed, in the feed, meta tags and JSON-LD.
"""

from __future__ import annotations

import json

from lxml import etree

from tests.app.studio.test_settings import SETTINGS, form_of
from tests.app.studio.test_settings import show_admin as show_admin  # the fixture

ATTACK = (
    "**Fet** podd om *Malmö*.\r\n\r\n"
    "<script>alert(1)</script> <img src=x onerror=alert(2)>\r\n"
    "[länk](javascript:alert(3)) och [stadens sida](https://malmo.se/)"
)


def test_a_script_in_the_show_description_reaches_no_page_and_no_feed(app, show_admin):
    show_admin.get("/testpodden/feed.xml")  # cached before the change
    data = form_of(show_admin)
    data["description"] = [ATTACK]
    assert show_admin.post(SETTINGS, data=data).status_code == 302

    public = app.test_client()
    page = public.get("/testpodden/").get_data(as_text=True)
    article = etree.tostring(
        etree.HTML(page).xpath("//*[contains(@class, 'notes')]")[0], encoding="unicode"
    )
    assert "<strong>Fet</strong>" in article and "<em>Malmö</em>" in article
    assert '<a href="https://malmo.se/" rel="noopener nofollow">stadens sida</a>' in article
    tree = etree.HTML(page)
    assert tree.xpath("//article//script | //img[@onerror] | //img[@src='x']") == []
    assert [href for href in tree.xpath("//@href") if "javascript" in href.lower()] == []

    body = public.get("/testpodden/feed.xml").data
    channel = etree.fromstring(body).find("channel")
    description = channel.findtext("description")
    # Markdown refuses the javascript: link, which stays as the text that was typed.
    text = "Fet podd om Malmö.\n\nalert(1) \n[länk](javascript:alert(3)) och stadens sida"
    assert description == text
    for dangerous in (b"<script", b"&lt;", b"&#13;", b"**", b"onerror"):
        assert dangerous not in body, dangerous

    meta = etree.HTML(page).xpath('//meta[@name="description"]/@content')
    assert meta and "<" not in meta[0] and "**" not in meta[0]
    for script in etree.HTML(page).xpath('//script[@type="application/ld+json"]/text()'):
        assert "<script" not in json.loads(script).get("description", "")


def test_a_plain_description_is_unchanged_in_the_feed(app, show_admin):
    """No markup, no change: feeds of shows with plain descriptions keep their bytes."""
    text = "En podd om Malmö & Möllevången.\n\nVarje vecka, 20 minuter."
    data = form_of(show_admin)
    data["description"] = [text.replace("\n", "\r\n")]
    assert show_admin.post(SETTINGS, data=data).status_code == 302
    body = app.test_client().get("/testpodden/feed.xml").data
    assert etree.fromstring(body).find("channel").findtext("description") == text
    assert b"<description>En podd om Malm\xc3\xb6 &amp; M\xc3\xb6llev\xc3\xa5ngen.\n\nVarje" in body
