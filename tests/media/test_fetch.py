"""media.fetch: every address a name resolves to is checked, and allow-lists work."""

from __future__ import annotations

import io

import pytest

from media.fetch import FetchError, FetchLimits, HostPolicy, fetch


def resolver(*addresses: str):
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(address):
    policy = HostPolicy(resolver=resolver(address))
    with pytest.raises(FetchError) as refused:
        policy.addresses("podcast.example", 80)
    assert refused.value.code == "blocked_address"


def test_one_private_address_among_public_ones_is_enough_to_refuse():
    policy = HostPolicy(resolver=resolver("93.184.216.34", "10.0.0.5"))
    with pytest.raises(FetchError, match=r"10\.0\.0\.5"):
        policy.addresses("podcast.example", 443)


def test_public_addresses_pass_and_admins_may_allow_hosts_and_networks():
    assert HostPolicy(resolver=resolver("93.184.216.34")).addresses("a.example", 80)
    named = HostPolicy(allowed=("intranet.malmo.se",), resolver=resolver("10.0.0.5"))
    assert named.addresses("intranet.malmo.se", 80) == ["10.0.0.5"]
    network = HostPolicy(allowed=("10.0.0.0/8",), resolver=resolver("10.0.0.5"))
    assert network.addresses("any.example", 80) == ["10.0.0.5"]


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/a.mp3", "/relative.mp3", "http://u:p@x.org/"]
)
def test_only_absolute_http_urls_are_fetched(url):
    with pytest.raises(FetchError) as refused:
        fetch(url, io.BytesIO(), FetchLimits(max_bytes=10))
    assert refused.value.code == "bad_url"


def test_loopback_is_refused_by_default_before_connecting():
    with pytest.raises(FetchError) as refused:
        fetch("http://127.0.0.1:9/feed.xml", io.BytesIO(), FetchLimits(max_bytes=10))
    assert refused.value.code == "blocked_address"


@pytest.fixture
def slow_server():
    """A loopback server that stalls after its headers, or trickles a byte at a time."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.end_headers()
            try:
                while not stop.is_set():
                    if self.path == "/trickle":
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    stop.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.mark.parametrize(
    "path, limits",
    [
        ("/stall", FetchLimits(max_bytes=1000, read_timeout=0.3)),
        ("/trickle", FetchLimits(max_bytes=1000, read_timeout=5, total_seconds=0.5)),
    ],
    ids=["silent", "too-slow-overall"],
)
def test_slow_servers_run_into_the_time_limits(slow_server, path, limits):
    import time

    policy = HostPolicy(allowed=("127.0.0.1",))
    started = time.monotonic()
    with pytest.raises(FetchError) as refused:
        fetch(slow_server + path, io.BytesIO(), limits, policy)
    assert refused.value.code == "timeout"
    assert time.monotonic() - started < 3
