"""Resumable uploads at the storage level: partial files on disk, multipart uploads in S3."""

from __future__ import annotations

import hashlib
import io
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from media.storage import LocalStorage, ObjectNotFound, S3Storage, ShortChunk, StorageError

BUCKET = "partial-upload-tests"
MiB = 1024 * 1024


@pytest.fixture
def local(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "media")


def test_partial_file_grows_resumes_and_finishes(local: LocalStorage) -> None:
    data = bytes(range(256)) * 1000
    partials = local.partials
    assert partials.size("abcdefgh") == 0
    assert partials.write("abcdefgh", 0, io.BytesIO(data[:100_000]), 100_000) == 100_000
    with pytest.raises(StorageError, match="has 100000 bytes"):
        partials.write("abcdefgh", 150_000, io.BytesIO(data[150_000:]), 10)  # a hole
    # Resending from an earlier offset replaces what followed it.
    assert partials.write("abcdefgh", 50_000, io.BytesIO(data[50_000:]), len(data) - 50_000) == len(
        data
    )
    assert local.list_keys() == []  # in progress: not an object yet
    saved = partials.finish("abcdefgh", "show/ep.mp3")
    assert saved.size == len(data) and saved.sha256 == hashlib.sha256(data).hexdigest()
    assert local.list_keys() == ["show/ep.mp3"] and partials.list_ids() == []


def test_short_chunk_is_dropped(local: LocalStorage) -> None:
    partials = local.partials
    partials.write("abcdefgh", 0, io.BytesIO(b"x" * 10), 10)
    with pytest.raises(StorageError, match="ended after 5 bytes"):
        partials.write("abcdefgh", 10, io.BytesIO(b"y" * 5), 20)
    assert partials.size("abcdefgh") == 10


def test_a_short_first_chunk_leaves_no_file(local: LocalStorage) -> None:
    """The client's mistake (ShortChunk, so the app answers 4xx): nothing of it is kept."""
    partials = local.partials
    with pytest.raises(ShortChunk, match="ended after 10 bytes, not 50"):
        partials.write("abcdefgh", 0, io.BytesIO(b"x" * 10), 50)
    assert not partials.path("abcdefgh").exists() and partials.list_ids() == []


def test_partial_ids_cannot_leave_the_folder(local: LocalStorage) -> None:
    for bad in ("../../etc", "a/b", "short", ""):
        with pytest.raises(StorageError, match="invalid upload id"):
            local.partials.path(bad)


def test_discard_and_missing(local: LocalStorage) -> None:
    local.partials.write("abcdefgh", 0, io.BytesIO(b"abc"), 3)
    local.partials.discard("abcdefgh")
    local.partials.discard("abcdefgh")  # already gone: fine
    assert local.partials.list_ids() == []
    with pytest.raises(ObjectNotFound):
        local.partials.open("abcdefgh")


@pytest.fixture(scope="module")
def bucket(seaweedfs: Any) -> str:
    seaweedfs.make_bucket(BUCKET)
    return BUCKET


@pytest.fixture
def s3(seaweedfs: Any, bucket: str) -> S3Storage:
    return S3Storage(
        bucket,
        f"t-{uuid.uuid4().hex[:12]}",
        endpoint_url=seaweedfs.endpoint_url,
        region=seaweedfs.region,
        addressing_style="path",
        access_key_id=seaweedfs.access_key,
        secret_access_key=seaweedfs.secret_key,
    )


def put(url: str, data: bytes) -> None:
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method="PUT")) as answer:
        assert answer.status == 200


def test_presigned_multipart_round_trip(s3: S3Storage) -> None:
    data = bytes(range(256)) * (6 * MiB // 256 * 2)  # 12 MiB: two 6 MiB parts
    upload_id = s3.create_multipart("show/ep.mp3", "audio/mpeg")
    put(s3.presign_part("show/ep.mp3", upload_id, 2), data[6 * MiB :])
    assert [p.number for p in s3.list_parts("show/ep.mp3", upload_id)] == [2]
    assert not s3.exists("show/ep.mp3")
    put(s3.presign_part("show/ep.mp3", upload_id, 1), data[: 6 * MiB])
    parts = s3.list_parts("show/ep.mp3", upload_id)
    assert [(p.number, p.size) for p in parts] == [(1, 6 * MiB), (2, 6 * MiB)]
    s3.complete_multipart("show/ep.mp3", upload_id, parts)
    assert s3.sha256("show/ep.mp3") == hashlib.sha256(data).hexdigest()
    assert s3.unfinished_multipart() == []
    with pytest.raises(ObjectNotFound):
        s3.list_parts("show/ep.mp3", upload_id)


def test_abort_leaves_nothing(s3: S3Storage) -> None:
    upload_id = s3.create_multipart("show/ep.mp3", "audio/mpeg")
    put(s3.presign_part("show/ep.mp3", upload_id, 1), b"x" * 1000)
    assert [u.upload_id for u in s3.unfinished_multipart()] == [upload_id]
    s3.abort_multipart("show/ep.mp3", upload_id)
    s3.abort_multipart("show/ep.mp3", upload_id)  # already gone: fine
    assert s3.unfinished_multipart() == [] and s3.list_keys() == []


def test_cors_rule_answers_a_browser_preflight(s3: S3Storage, seaweedfs: Any) -> None:
    origin = f"http://studio-{uuid.uuid4().hex[:6]}.test"
    assert s3.allow_browser_origin(origin) is True
    assert s3.allow_browser_origin(origin) is False  # kept, not added twice
    upload_id = s3.create_multipart("show/ep.mp3", "audio/mpeg")
    preflight = urllib.request.Request(
        s3.presign_part("show/ep.mp3", upload_id, 1),
        method="OPTIONS",
        headers={"Origin": origin, "Access-Control-Request-Method": "PUT"},
    )
    with urllib.request.urlopen(preflight) as answer:
        assert answer.headers["Access-Control-Allow-Origin"] in (origin, "*")
        assert "PUT" in answer.headers["Access-Control-Allow-Methods"]
    s3.abort_multipart("show/ep.mp3", upload_id)
