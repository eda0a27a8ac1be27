"""Issue 12, attack 10: a chunk shorter than its Content-Range was answered 503.

``PUT`` of an upload chunk with ``Content-Range: bytes 0-49/100`` and a 10-byte
body said storage was down, which sends the browser into retries that cannot
help. It is the client's mistake: a 4xx that says what is wrong, and nothing of
it kept, on both storage shapes (SeaweedFS uploads go straight to the bucket, so
the app takes no chunks for them at all).
"""

from __future__ import annotations

import io

import pytest

from app.storage import current_storage
from media.storage import LocalStorage
from tests.app.conftest import row_counts, stored_keys
from tests.app.studio.test_upload_api import Uploader, leftovers

RANGE = "bytes 0-49/100"


def chunk_on_disk(app, token: str) -> bool:
    with app.app_context():
        storage = current_storage()
        return isinstance(storage, LocalStorage) and storage.partials.path(token).exists()


@pytest.fixture
def started(app, studio, show, tmp_path):
    uploader = Uploader(studio, show)
    file = tmp_path / "avsnitt.mp3"
    file.write_bytes(bytes(100))
    response = uploader.start(file)
    assert response.status_code == 201, response.get_json()
    return uploader, response.get_json()


def put(uploader: Uploader, info: dict, body: bytes, **options):
    headers = {
        **uploader.headers,
        "Content-Range": RANGE,
        "Content-Type": "application/octet-stream",
    }
    return uploader.client.put(
        info["url"], headers={**headers, **options.pop("headers", {})}, data=body, **options
    )


def test_a_body_shorter_than_its_range_is_a_client_error(app, started):
    uploader, info = started
    before = row_counts(app), stored_keys(app)
    response = put(uploader, info, b"x" * 10)
    assert 400 <= response.status_code < 500
    message = response.get_json()["message"]
    if info["mode"] == "chunked":
        assert message == (
            "The piece of the file has 10 bytes, but its Content-Range names 50. "
            "Nothing of it was kept; send it again."
        )
    else:  # SeaweedFS: the parts go to the bucket, never through the app
        assert message == "This upload takes no more parts."
    assert not chunk_on_disk(app, info["id"])
    assert uploader.status(info)["received"] == 0
    assert (row_counts(app), stored_keys(app)) == before
    if info["mode"] == "chunked":
        assert leftovers(app) == []


@pytest.mark.parametrize("backend", ["embedded"])  # SeaweedFS takes no chunks from the app
def test_a_body_that_ends_early_without_a_length_keeps_nothing(app, started):
    """Chunked transfer: no Content-Length to compare, so the short body is seen while writing."""
    uploader, info = started
    assert info["mode"] == "chunked"
    response = put(
        uploader,
        info,
        None,
        input_stream=io.BytesIO(b"x" * 10),
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 422
    assert response.get_json()["message"].startswith(
        "The piece of the file ended before the 50 bytes its Content-Range names."
    )
    assert not chunk_on_disk(app, info["id"])
    assert uploader.status(info)["received"] == 0
    # The same upload then takes the right bytes: nothing half-written is in the way.
    whole = put(uploader, info, bytes(50))
    assert whole.status_code == 200 and whole.get_json() == {"received": 50}
