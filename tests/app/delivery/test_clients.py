"""Real podcast clients' request patterns, delivered and counted as IAB 2.x says.

Each pattern is the sequence of requests the client is known to send; the
test checks the answers it relies on and how many downloads it adds up to.
"""

from __future__ import annotations

import io
import threading
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import DownloadHit
from app.services.analytics_reports import show_report
from app.services.episodes import add_episode
from app.storage import current_storage
from media.storage import LocalStorage
from media.synth import synthesize

APPLE = "AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; sv_se)"
ANTENNAPOD = "AntennaPod/3.4.0"
GPODDER = "gPodder/3.11.4 (+http://gpodder.org/) Linux"
PUBLISHED = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def long_mp3(tmp_path_factory) -> bytes:
    """Two minutes, so the one-minute rule can tell ranges apart."""
    path = synthesize(tmp_path_factory.mktemp("long") / "long.mp3", "mp3", seconds=120)
    return path.read_bytes()


@pytest.fixture
def enclosure(app, show, long_mp3, tmp_path):
    """The published episode's /media path and its bytes."""
    path = tmp_path / "avsnitt.mp3"
    path.write_bytes(long_mp3)
    with app.app_context(), path.open("rb") as audio:
        episode = add_episode(show, audio, title="Avsnitt", published_at=PUBLISHED)
        return f"/media/{episode.audio.storage_key}", long_mp3


def reasons(app) -> list[str | None]:
    with app.app_context():
        return [h.reason for h in db.session.scalars(select(DownloadHit).order_by(DownloadHit.id))]


def total_downloads(app, show) -> int:
    with app.app_context():
        return show_report(show).total


def test_apple_core_media_probes_then_fetches_ranges(app, client, show, enclosure):
    path, data = enclosure
    size = len(data)
    headers = {"User-Agent": APPLE}
    probe = client.get(path, headers={**headers, "Range": "bytes=0-1"})
    assert probe.status_code == 206
    assert probe.headers["Content-Range"] == f"bytes 0-1/{size}"
    assert probe.data == data[:2]
    half = size // 2
    for start, end in ((0, half - 1), (half, size - 1)):
        part = client.get(path, headers={**headers, "Range": f"bytes={start}-{end}"})
        assert part.status_code == 206
        assert part.headers["Content-Range"] == f"bytes {start}-{end}/{size}"
        assert part.data == data[start : end + 1]
    assert reasons(app) == ["probe", None, None]
    assert total_downloads(app, show) == 1


def test_antennapod_heads_then_resumes_with_if_range(app, client, show, enclosure):
    path, data = enclosure
    size = len(data)
    headers = {"User-Agent": ANTENNAPOD}
    head = client.head(path, headers={**headers, "Accept-Encoding": "identity"})
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(size)
    assert "Content-Encoding" not in head.headers
    assert head.headers["Accept-Ranges"] == "bytes"
    etag, modified = head.headers["ETag"], head.headers["Last-Modified"]
    resumed_at = size - 1000
    for validator in (etag, modified):
        resumed = client.get(
            path, headers={**headers, "Range": f"bytes={resumed_at}-", "If-Range": validator}
        )
        assert resumed.status_code == 206
        assert resumed.headers["Content-Range"] == f"bytes {resumed_at}-{size - 1}/{size}"
        assert resumed.data == data[resumed_at:]
    full = client.get(path, headers=headers)
    assert full.status_code == 200
    assert full.data == data
    # The HEAD and the short tails deliver too little; the whole file counts once.
    assert reasons(app) == ["head", "short", "short", None]
    assert total_downloads(app, show) == 1


def test_gpodder_resume_starts_where_it_asked(app, client, show, enclosure):
    path, data = enclosure
    size = len(data)
    resume_from = size // 3
    response = client.get(path, headers={"User-Agent": GPODDER, "Range": f"bytes={resume_from}-"})
    assert response.status_code == 206
    start = int(response.headers["Content-Range"].split()[1].split("-")[0])
    assert start == resume_from
    assert response.data == data[resume_from:]
    assert reasons(app) == [None]
    assert total_downloads(app, show) == 1


def test_address_is_kept_out_of_the_hits(app, client, enclosure):
    path, _ = enclosure
    client.get(path, environ_base={"REMOTE_ADDR": "192.0.2.44"}, headers={"User-Agent": APPLE})
    with app.app_context():
        [row] = db.session.scalars(select(DownloadHit))
        assert "192.0.2.44" not in repr(vars(row))
        assert len(row.listener) == 64


def test_artwork_is_served_but_not_counted(app, client, show):
    with app.app_context():
        from app.services.shows import get_show

        key = get_show(show).image.storage_key
    assert client.get(f"/media/{key}").status_code == 200
    assert reasons(app) == []


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("mp3", "audio/mpeg"),
        ("m4a", "audio/x-m4a"),
        ("opus", "audio/ogg"),
        ("ogg", "audio/ogg"),
        ("flac", "audio/flac"),
        ("wav", "audio/wav"),
    ],
)
def test_every_format_keeps_its_extension_and_type(app, client, show, audio_dir, fmt, mime):
    with app.app_context(), (audio_dir / f"tone.{fmt}").open("rb") as audio:
        key = add_episode(show, audio, title=fmt, published_at=PUBLISHED).audio.storage_key
    assert key.endswith(f".{fmt}")
    response = client.get(f"/media/{key}", headers={"Range": "bytes=0-1"})
    assert response.status_code == 206
    assert response.headers["Content-Type"] == mime
    assert response.data == (audio_dir / f"tone.{fmt}").read_bytes()[:2]


def test_redirect_mode_counts_then_redirects(app, client, show, enclosure):
    """302 to the storage URL, which honours the client's Range: presigned on SeaweedFS,
    the public base URL on local disk (served here by a loopback HTTP server)."""
    path, data = enclosure
    app.config["MEDIA_DELIVERY"] = "redirect"
    with app.app_context(), _public_files(current_storage()):
        response = client.get(path, headers={"User-Agent": APPLE, "Range": "bytes=0-1"})
        assert response.status_code == 302
        request = urllib.request.Request(
            response.headers["Location"], headers={"Range": "bytes=0-1"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 206
            assert answer.read() == data[:2]
    whole = client.get(path, headers={"User-Agent": APPLE})
    assert whole.status_code in (200, 302)
    assert reasons(app) == ["probe", None]
    assert total_downloads(app, show) == 1


@contextmanager
def _public_files(storage):
    """Publish a local storage folder over loopback HTTP, as a front web server would."""
    if not isinstance(storage, LocalStorage):
        yield
        return
    handler = partial(RangeRequestHandler, directory=str(storage.root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    storage.public_base_url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield
    finally:
        storage.public_base_url = None
        server.shutdown()
        server.server_close()
        thread.join()


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """The standard library's file server, taught single ranges, and quiet."""

    def send_head(self):
        header = self.headers.get("Range", "")
        if not header.startswith("bytes="):
            return super().send_head()
        path = self.translate_path(self.path)
        with open(path, "rb") as source:
            data = source.read()
        start, end = (int(x) for x in header[len("bytes=") :].split("-"))
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        return io.BytesIO(data[start : end + 1])

    def log_message(self, format, *args):
        pass
