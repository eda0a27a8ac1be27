"""WebSub and Podping, against a tiny hub on loopback."""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lxml import etree

from app.cli import feed_urls
from app.services.announce import announce_changed_feeds, announcer
from app.services.errors import InvalidInput
from app.services.feed_extras import update_show_feed
from tests.app.feeds.conftest import add


class Hub:
    """Records every request; answers with ``status``."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, list[str]], dict[str, str]]] = []
        self.status = 204


@pytest.fixture
def hub() -> Iterator[tuple[Hub, str]]:
    state = Hub()

    class Handler(BaseHTTPRequestHandler):
        def _record(self, body: bytes) -> None:
            path, _, query = self.path.partition("?")
            form = urllib.parse.parse_qs(body.decode() or query)
            state.requests.append((self.command, path, form, dict(self.headers)))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            self._record(self.rfile.read(int(self.headers["Content-Length"])))

        def do_GET(self) -> None:
            self._record(b"")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def announce(app, now=None) -> list[str]:
    with app.app_context(), feed_urls():
        return announce_changed_feeds(now)


def test_feed_declares_the_configured_hub(app, client, show, hub):
    app.config["WEBSUB_HUB_URL"] = hub[1] + "/hub"
    root = etree.fromstring(client.get(f"/{show}/feed.xml").data)
    links = root.xpath(
        "channel/atom:link[@rel='hub']/@href", namespaces={"atom": "http://www.w3.org/2005/Atom"}
    )
    assert links == [hub[1] + "/hub"]


def test_hub_is_notified_on_change_and_when_a_scheduled_episode_goes_live(
    app, show, audio_dir, hub
):
    state, base = hub
    app.config["WEBSUB_HUB_URL"] = base + "/hub"
    feed = f"http://podcasts.test/{show}/feed.xml"
    assert announce(app) == [show]  # first announcement of the feed
    assert announce(app) == []  # nothing changed, nothing sent
    with app.app_context():
        update_show_feed(show, itunes_title="Nytt namn")
    assert announce(app) == [show]
    at = datetime.now(UTC) + timedelta(minutes=2)
    add(app, show, audio_dir, "Schemalagd", at)
    assert announce(app) == []  # the scheduled episode is not out yet: same bytes
    assert announce(app, now=at + timedelta(seconds=30)) == [show]
    assert [(r[0], r[1], r[2]) for r in state.requests] == [
        ("POST", "/hub", {"hub.mode": ["publish"], "hub.url": [feed]})
    ] * 3


def test_a_failed_ping_is_retried(app, show, hub):
    state, base = hub
    app.config["WEBSUB_HUB_URL"] = base + "/hub"
    state.status = 503
    assert announce(app) == []
    state.status = 204
    assert announce(app) == [show]
    assert len(state.requests) == 2


def test_podping_with_token(app, show, hub):
    state, base = hub
    app.config.update(WEBSUB_HUB_URL="", PODPING_TOKEN="secret", PODPING_URL=base + "/")
    assert announce(app) == [show]
    method, path, query, headers = state.requests[0]
    assert (method, path) == ("GET", "/")
    assert query["url"] == [f"http://podcasts.test/{show}/feed.xml"]
    assert headers["Authorization"] == "secret"


def test_refresh_command_announces_once(app, runner, show, hub):
    state, base = hub
    app.config["WEBSUB_HUB_URL"] = base + "/hub"
    first = runner.invoke(args=["feeds", "refresh"])
    assert first.exit_code == 0, first.output
    assert first.output == f"announced {show}\n"
    assert runner.invoke(args=["feeds", "refresh"]).output == ""
    assert len(state.requests) == 1


@pytest.fixture
def live_hub(app, hub):
    """Announcements on commit, as in production, to the loopback hub; no worker runs."""
    state, base = hub
    app.config.update(WEBSUB_HUB_URL=base + "/hub", ANNOUNCE_ON_COMMIT=True)
    yield state
    announcer(app).stop()


def wait_for_requests(state: Hub, count: int, seconds: float = 2.0) -> list:
    deadline = time.monotonic() + seconds
    while len(state.requests) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return state.requests


def test_a_change_notifies_the_hub_within_seconds_without_the_worker(app, show, live_hub):
    started = time.monotonic()
    with app.app_context():
        update_show_feed(show, itunes_title="Nytt namn")
    requests = wait_for_requests(live_hub, 1)
    assert time.monotonic() - started < 2.0
    assert [(r[0], r[1], r[2]) for r in requests] == [
        (
            "POST",
            "/hub",
            {"hub.mode": ["publish"], "hub.url": [f"http://podcasts.test/{show}/feed.xml"]},
        )
    ]
    assert announcer(app).wait_idle(5)
    assert announce(app) == []  # recorded in the database: the worker has nothing left


def test_an_unchanged_feed_or_a_refused_change_sends_nothing(app, show, live_hub):
    with app.app_context():
        update_show_feed(show, itunes_title="Nytt namn")
    wait_for_requests(live_hub, 1)
    assert announcer(app).wait_idle(5)
    with app.app_context():
        update_show_feed(show, itunes_title="Nytt namn")  # a commit, but the same bytes
        with pytest.raises(InvalidInput):
            update_show_feed(show, itunes_type="weekly")  # refused: no commit
    assert announcer(app).wait_idle(5)
    time.sleep(0.3)
    assert len(live_hub.requests) == 1


def test_an_episode_published_through_the_service_notifies_the_hub(app, show, audio_dir, live_hub):
    with app.app_context():
        update_show_feed(show, itunes_title="Först")
    wait_for_requests(live_hub, 1)
    add(app, show, audio_dir, "Nytt avsnitt", datetime.now(UTC))
    assert len(wait_for_requests(live_hub, 2)) == 2


def test_a_failed_ping_after_a_change_is_left_to_the_worker(app, show, live_hub):
    live_hub.status = 503
    with app.app_context():
        update_show_feed(show, itunes_title="Nytt namn")
    wait_for_requests(live_hub, 1)
    assert announcer(app).wait_idle(5)
    live_hub.status = 204
    assert announce(app) == [show]  # the worker's next round sends it
    assert len(live_hub.requests) == 2


def test_a_feed_on_a_loopback_address_is_not_announced(app, show, hub):
    """A local demo has nothing to tell a hub, which could never fetch its feed."""
    state, base = hub
    app.config.update(WEBSUB_HUB_URL=base + "/hub", PUBLIC_BASE_URL="http://127.0.0.1:5000")
    assert announce(app) == []
    assert state.requests == []
