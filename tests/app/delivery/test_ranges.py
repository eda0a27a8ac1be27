"""``/media/…`` answers the request patterns podcast apps really send."""

from __future__ import annotations

import pytest

from tests.app.conftest import upload


@pytest.fixture
def enclosure(studio, show, audio_dir):
    """The published MP3's path under /media and its bytes."""
    upload(studio, show, audio_dir / "tone.mp3", title="Avsnitt")
    page = studio.get(f"/{show}/episodes/avsnitt").get_data(as_text=True)
    start = page.index('src="http://podcasts.test/media/') + len('src="http://podcasts.test')
    path = page[start : page.index('"', start)]
    return path, (audio_dir / "tone.mp3").read_bytes()


def test_full_get(client, enclosure):
    path, data = enclosure
    response = client.get(path)
    assert response.status_code == 200
    assert response.data == data
    assert response.headers["Content-Type"] == "audio/mpeg"
    assert response.headers["Content-Length"] == str(len(data))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["ETag"]
    assert response.headers["Last-Modified"]
    assert path.endswith(".mp3")


def test_head_has_headers_and_no_body(client, enclosure):
    path, data = enclosure
    response = client.head(path, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == str(len(data))


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-1", 0, 1),
        ("bytes=100-", 100, None),
        ("bytes=-500", -500, None),
        ("bytes=10-20", 10, 20),
    ],
)
def test_single_ranges(client, enclosure, header, first, last):
    path, data = enclosure
    response = client.get(path, headers={"Range": header})
    size = len(data)
    start = first if first >= 0 else size + first
    end = size - 1 if last is None else last
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert response.data == data[start : end + 1]
    assert response.headers["Content-Length"] == str(end - start + 1)


def test_unsatisfiable_range(client, enclosure):
    path, data = enclosure
    response = client.get(path, headers={"Range": f"bytes={len(data) + 10}-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(data)}"


def test_if_none_match_gives_304(client, enclosure):
    path, _ = enclosure
    etag = client.get(path).headers["ETag"]
    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""


def test_if_range_resumes_only_the_same_file(client, enclosure):
    path, data = enclosure
    etag = client.head(path).headers["ETag"]
    resumed = client.get(path, headers={"Range": "bytes=1000-", "If-Range": etag})
    assert resumed.status_code == 206
    assert resumed.data == data[1000:]
    stale = client.get(path, headers={"Range": "bytes=1000-", "If-Range": '"something-else"'})
    assert stale.status_code == 200
    assert stale.data == data


def test_several_ranges_get_the_whole_file(client, enclosure):
    path, data = enclosure
    response = client.get(path, headers={"Range": "bytes=0-1,5-9"})
    assert response.status_code == 200
    assert response.data == data


def test_unknown_key_is_404(client, enclosure):
    assert client.get("/media/testpodden/unknown.mp3").status_code == 404
    assert client.get("/media/../secret_key").status_code == 404


def test_redirect_mode_points_at_the_object(app, client, backend, enclosure):
    """In redirect mode S3 answers with a 302 to a working presigned URL; local disk proxies."""
    import urllib.request

    path, data = enclosure
    app.config["MEDIA_DELIVERY"] = "redirect"
    response = client.get(path)
    if backend == "embedded":
        assert response.status_code == 200
        assert response.data == data
        return
    assert response.status_code == 302
    request = urllib.request.Request(response.headers["Location"], headers={"Range": "bytes=0-1"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 206
        assert answer.read() == data[:2]
