"""The feed over HTTP: validators, 304s, gzip, HEAD, CORS and the shared cache."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

from lxml import etree
from sqlalchemy import event, select

from app import create_app
from app.extensions import db
from app.models import Episode, FeedCache, Show
from app.services.feed import cached_feed
from app.services.feed_extras import update_episode_feed, update_show_feed
from tests.app.feeds.conftest import add

NS = {"podcast": "https://podcastindex.org/namespace/1.0", "atom": "http://www.w3.org/2005/Atom"}


def titles(data: bytes) -> list[str]:
    return etree.fromstring(data).xpath("/rss/channel/item/title/text()")


def test_feed_has_validators_caching_headers_and_cors(client, two_episodes):
    response = client.get(f"/{two_episodes}/feed.xml")
    assert response.status_code == 200
    assert response.headers["ETag"].strip('"')
    assert response.headers["Last-Modified"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert titles(response.data) == ["Avsnitt 2", "Avsnitt 1"]


def test_if_none_match_and_if_modified_since_give_304(client, two_episodes):
    url = f"/{two_episodes}/feed.xml"
    first = client.get(url)
    by_etag = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert by_etag.status_code == 304
    assert by_etag.data == b""
    assert by_etag.headers["ETag"] == first.headers["ETag"]
    by_date = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 304
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_gzip_when_accepted(client, two_episodes):
    url = f"/{two_episodes}/feed.xml"
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    again = client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304


def test_head_has_headers_and_no_body(client, two_episodes):
    get = client.get(f"/{two_episodes}/feed.xml")
    head = client.head(f"/{two_episodes}/feed.xml")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert int(head.headers["Content-Length"]) == len(get.data)


def queries(app, function) -> list[str]:
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    with app.test_request_context():
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            function()
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
    return statements


def test_cache_is_shared_through_the_database(app, app_config, client, two_episodes):
    """A second app on the same database (another web process) reuses the stored page."""
    first = client.get(f"/{two_episodes}/feed.xml")
    with app.app_context():
        built = db.session.scalar(select(FeedCache.built_at))
    other = create_app(app_config)
    try:
        again = other.test_client().get(f"/{two_episodes}/feed.xml")
        assert again.headers["ETag"] == first.headers["ETag"]
        with other.app_context():
            assert db.session.scalar(select(FeedCache.built_at)) == built
    finally:
        with other.app_context():
            db.engine.dispose()


def test_local_copy_is_checked_against_the_database(app, client, two_episodes):
    client.get(f"/{two_episodes}/feed.xml")
    assert queries(app, lambda: cached_feed(two_episodes)) == []  # within the interval
    app.config["FEED_LOCAL_SECONDS"] = 0
    checked = queries(app, lambda: cached_feed(two_episodes))
    assert len(checked) == 1  # only the small state query: the bytes are already here
    assert "body" not in checked[0].split("FROM")[0]


def test_a_change_rebuilds_the_feed(app, client, two_episodes):
    url = f"/{two_episodes}/feed.xml"
    first = client.get(url)
    with app.app_context():
        slug = db.session.scalar(select(Episode.slug).where(Episode.title == "Avsnitt 1"))
        update_episode_feed(two_episodes, slug, episode_number=1, season_number=2)
    second = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    item = etree.fromstring(second.data).find("channel/item[title='Avsnitt 1']")
    assert item.xpath("podcast:season/text()", namespaces=NS) == ["2"]


def test_scheduled_episode_appears_once_its_time_has_come(app, client, show, audio_dir):
    at = datetime.now(UTC) + timedelta(minutes=5)
    add(app, show, audio_dir, "Tidigare", datetime(2025, 1, 1, tzinfo=UTC))
    add(app, show, audio_dir, "Schemalagd", at)
    before = client.get(f"/{show}/feed.xml")
    assert titles(before.data) == ["Tidigare"]
    assert int(before.headers["Cache-Control"].split("=")[-1]) <= 60
    with app.test_request_context():
        assert db.session.scalar(select(FeedCache.valid_until)) == at
        # Any process, a second after the publish time, with no one having touched anything:
        later = cached_feed(show, now=at + timedelta(seconds=1))
    assert titles(later.body) == ["Schemalagd", "Tidigare"]


def test_show_settings_reach_the_feed(app, client, two_episodes):
    with app.app_context():
        update_show_feed(
            two_episodes,
            itunes_type="serial",
            locked=True,
            funding=[{"url": "https://malmo.se/stod", "text": "Stöd"}],
            location_name="Rosengård",
            location_osm="R935416",
        )
    channel = etree.fromstring(client.get(f"/{two_episodes}/feed.xml").data).find("channel")
    assert channel.xpath("podcast:locked/text()", namespaces=NS) == ["yes"]
    assert channel.xpath("podcast:funding/@url", namespaces=NS) == ["https://malmo.se/stod"]
    assert channel.xpath("podcast:location/text()", namespaces=NS) == ["Rosengård"]


def test_podcast_guid_is_stored_once_and_kept(app, client, show):
    client.get(f"/{show}/feed.xml")
    with app.app_context():
        stored = db.session.scalar(select(Show.podcast_guid))
    assert stored
    app.config["PUBLIC_BASE_URL"] = "https://new-host.example"
    with app.app_context():
        update_show_feed(show, itunes_title="Ny")
    data = client.get(f"/{show}/feed.xml").data
    assert etree.fromstring(data).xpath("//podcast:guid/text()", namespaces=NS) == [stored]


def test_paging_per_rfc_5005(app, client, show, audio_dir):
    for day in range(1, 6):
        add(app, show, audio_dir, f"Del {day}", datetime(2025, 1, day, tzinfo=UTC))
    with app.app_context():
        update_show_feed(show, feed_page_size=2)
    base = f"http://podcasts.test/{show}/feed.xml"
    first = etree.fromstring(client.get(f"/{show}/feed.xml").data)
    links = {a.get("rel"): a.get("href") for a in first.iterfind(".//atom:link", namespaces=NS)}
    assert links["first"] == base
    assert links["next"] == base + "?page=2"
    assert links["last"] == base + "?page=3"
    assert "previous" not in links
    assert titles(etree.tostring(first)) == ["Del 5", "Del 4"]
    last = client.get(f"/{show}/feed.xml?page=3")
    assert titles(last.data) == ["Del 1"]
    assert client.get(f"/{show}/feed.xml?page=4").status_code == 404


def test_unpaged_feed_has_only_page_one(client, two_episodes):
    assert client.get(f"/{two_episodes}/feed.xml?page=2").status_code == 404


def test_a_new_public_address_or_hub_rebuilds_the_feed(app, client, show):
    client.get(f"/{show}/feed.xml")
    app.config.update(PUBLIC_BASE_URL="https://podd.malmo.se", WEBSUB_HUB_URL="https://hub.test/")
    app.config["FEED_LOCAL_SECONDS"] = 0
    channel = etree.fromstring(client.get(f"/{show}/feed.xml").data).find("channel")
    links = {a.get("rel"): a.get("href") for a in channel.iterfind("atom:link", namespaces=NS)}
    assert links == {"self": f"https://podd.malmo.se/{show}/feed.xml", "hub": "https://hub.test/"}
