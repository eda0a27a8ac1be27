"""The fast path ahead of Flask answers feed polls exactly as the Flask route would."""

from __future__ import annotations

import gzip
import itertools
import time
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from app import create_app
from app.extensions import db
from app.public.feed_http import FeedFastPath, feed_page_of
from app.services.feed_extras import update_show_feed
from tests.app.feeds.conftest import add

ENCODINGS = [None, "gzip", "gzip, deflate, br", "gzip;q=0", "br", "*"]


class Spy:
    """Stands between the fast path and Flask, counting what gets through."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.paths: list[str] = []

    def __call__(self, environ, start_response):
        self.paths.append(environ["PATH_INFO"] + "?" + environ.get("QUERY_STRING", ""))
        return self.wsgi_app(environ, start_response)


def fast_path_of(app) -> FeedFastPath | None:
    """The fast path among the app's WSGI layers (the metrics layer wraps it: app/metrics.py)."""
    layer = app.wsgi_app
    while layer is not None and not isinstance(layer, FeedFastPath):
        layer = getattr(layer, "wsgi_app", None)
    return layer


@pytest.fixture
def spy(app) -> Spy:
    fast_path = fast_path_of(app)
    assert fast_path is not None
    fast_path.wsgi_app = spy = Spy(fast_path.wsgi_app)
    return spy


@pytest.fixture
def flask_only(app_config):
    """A second web process on the same database with the fast path turned off."""
    other = create_app({**app_config, "FEED_FAST_PATH": False})
    assert fast_path_of(other) is None
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def paged(app, show, audio_dir):
    for day in range(1, 6):
        add(app, show, audio_dir, f"Del {day}", datetime(2025, 1, day, tzinfo=UTC))
    with app.app_context():
        update_show_feed(show, feed_page_size=2)
    return show


def exchange(client, method: str, url: str, headers: dict):
    response = client.open(url, method=method, headers=headers)
    kept = sorted((k, v) for k, v in response.headers.items() if k != "Date")
    return response.status_code, kept, response.data


def test_every_poll_gets_the_same_answer_as_from_flask(app, client, spy, flask_only, paged):
    urls = [f"/{paged}/feed.xml", f"/{paged}/feed.xml?page=2", f"/{paged}/feed.xml?page=3"]
    firsts = {
        (url, e): client.get(url, headers={"Accept-Encoding": e or ""})
        for url in urls
        for e in ("gzip", None)
    }
    assert len(spy.paths) == 3  # one trip through Flask per page fills this process's copy
    spy.paths.clear()
    plain, zipped = firsts[(urls[0], None)], firsts[(urls[0], "gzip")]
    old = "Mon, 01 Jan 2024 00:00:00 GMT"
    conditions = [
        {},
        {"If-None-Match": plain.headers["ETag"]},
        {"If-None-Match": zipped.headers["ETag"]},
        {"If-None-Match": "W/" + plain.headers["ETag"]},
        {"If-None-Match": '"other", ' + zipped.headers["ETag"]},
        {"If-None-Match": "*"},
        {"If-None-Match": '"other"', "If-Modified-Since": plain.headers["Last-Modified"]},
        {"If-Modified-Since": plain.headers["Last-Modified"]},
        {"If-Modified-Since": old},
        {"If-Modified-Since": "not a date"},
    ]
    other = flask_only.test_client()
    seen = set()
    for url, method, encoding, condition in itertools.product(
        urls, ("GET", "HEAD"), ENCODINGS, conditions
    ):
        headers = {**condition, **({"Accept-Encoding": encoding} if encoding else {})}
        ours = exchange(client, method, url, headers)
        assert ours == exchange(other, method, url, headers), (url, method, headers)
        seen.add(ours[0])
    assert spy.paths == []  # all 720 answered ahead of Flask
    assert seen == {200, 304}


def test_the_answers_are_the_feed(client, spy, paged):
    url = f"/{paged}/feed.xml?page=2"
    client.get(url)
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    head = client.head(url, headers={"Accept-Encoding": "gzip"})
    assert spy.paths == [url]
    assert etree.fromstring(plain.data).xpath("/rss/channel/item/title/text()") == [
        "Del 3",
        "Del 2",
    ]
    assert plain.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert head.data == b""
    assert int(head.headers["Content-Length"]) == len(zipped.data)
    again = client.get(url, headers={"If-None-Match": plain.headers["ETag"]})
    assert (again.status_code, again.data) == (304, b"")


def test_what_it_cannot_answer_goes_to_flask(client, spy, paged):
    feed = f"/{paged}/feed.xml"
    client.get(feed)
    spy.paths.clear()
    assert client.get("/no-such-show/feed.xml").status_code == 404
    assert client.get(f"{feed}?page=9").status_code == 404
    assert client.get(f"{feed}?page=abc").status_code == 200  # Flask reads it as page 1
    assert client.get(f"{feed}?page=1&x=1").status_code == 200
    assert client.post(feed).status_code == 405
    assert client.get(f"/{paged}/").status_code == 200
    assert len(spy.paths) == 6


def test_the_copy_is_checked_against_the_database_every_interval(
    app, client, spy, flask_only, paged
):
    """A change made by another process reaches this one within FEED_LOCAL_SECONDS."""
    app.config["FEED_LOCAL_SECONDS"] = 0.3
    url = f"/{paged}/feed.xml"
    first = client.get(url)
    with flask_only.app_context():
        update_show_feed(paged, itunes_title="Ny titel")
    assert client.get(url).data == first.data  # still this process's copy
    time.sleep(0.35)
    changed = client.get(url)
    assert b"<itunes:title>Ny titel</itunes:title>" in changed.data
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert len(spy.paths) == 2  # the first GET and the one after the interval


def test_a_scheduled_episode_falling_due_goes_to_flask(app, client, spy, show, audio_dir):
    add(app, show, audio_dir, "Tidigare", datetime(2025, 1, 1, tzinfo=UTC))
    add(app, show, audio_dir, "Snart", datetime.now(UTC) + timedelta(seconds=1))
    app.config["FEED_LOCAL_SECONDS"] = 60
    url = f"/{show}/feed.xml"
    assert b"Snart" not in client.get(url).data
    time.sleep(1.1)
    assert b"Snart" in client.get(url).data
    assert len(spy.paths) == 2


@pytest.mark.parametrize(
    ("query", "page"),
    [
        ("", 1),
        ("page=1", 1),
        ("page=3", 3),
        ("page=007", 7),
        ("page=", None),
        ("page=-1", None),
        ("page=2&x=1", None),
        ("x=1", None),
        ("page=1234567890", None),
    ],
)
def test_feed_page_of(query, page):
    assert feed_page_of(query) == page


@pytest.mark.parametrize("page", ["99999999999999999999", str(2**31), "-1", "0"])
def test_a_page_number_no_column_holds_is_no_page(client, paged, page):
    """A 20-digit page once reached the feed cache's query: a 500 on both databases."""
    response = client.get(f"/{paged}/feed.xml?page={page}", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "There is no such page of this feed." in response.get_data(as_text=True)
