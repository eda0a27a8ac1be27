"""WebSub and Podping, against a tiny hub on loopback."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lxml import etree

from app.cli import feed_urls
from app.services.announce import announce_changed_feeds
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
