"""One contract, two backends: local files and S3 (a real SeaweedFS server).

Every test that takes ``storage`` runs against both, so the web layer can
rely on the same behaviour whichever backend production is configured with.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import socket
import stat
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import mutagen
import pytest

from media.storage import (
    CHUNK_SIZE,
    LocalStorage,
    ObjectNotFound,
    S3Storage,
    SavedObject,
    Storage,
    StorageError,
    partial_upload_id,
    storage_from_url,
)
from media.storage.s3 import PART_SIZE, READ_AHEAD
from tests.support import audio

MiB = 1024 * 1024
BUCKET = "storage-tests"


# --- fixtures and helpers -------------------------------------------------


@pytest.fixture(scope="module")
def s3_bucket(seaweedfs: Any) -> str:
    """One bucket for this module; each test isolates itself with a fresh prefix.

    A bucket per test would cost SeaweedFS a set of new volumes each time.
    """
    seaweedfs.make_bucket(BUCKET)
    return BUCKET


def make_s3(server: Any, prefix: str, **options: Any) -> S3Storage:
    """An S3Storage on the test server, with timeouts short enough for tests."""
    settings: dict[str, Any] = {
        "endpoint_url": server.endpoint_url,
        "region": server.region,
        "addressing_style": "path",
        "access_key_id": server.access_key,
        "secret_access_key": server.secret_key,
        "connect_timeout": 2,
        "max_attempts": 2,
    }
    settings.update(options)
    return S3Storage(BUCKET, prefix, **settings)


def fresh_prefix() -> str:
    """A prefix no other test uses, so tests share the bucket but not objects."""
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def s3_storage(request: pytest.FixtureRequest, s3_bucket: str) -> S3Storage:
    """An S3 backend for behaviour only S3 has (presigning, lazy ranged reads)."""
    return make_s3(request.getfixturevalue("seaweedfs"), fresh_prefix())


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Each backend in turn; SeaweedFS starts only when an S3 case runs."""
    if request.param == "local":
        return LocalStorage(tmp_path / "media")
    request.getfixturevalue("s3_bucket")
    return make_s3(request.getfixturevalue("seaweedfs"), fresh_prefix())


def blob(size: int, seed: int = 0) -> bytes:
    """Incompressible, reproducible bytes."""
    return random.Random(seed).randbytes(size)


def save_bytes(storage: Storage, key: str, data: bytes) -> SavedObject:
    """Save in-memory bytes; fine for the small objects most tests use."""
    return storage.save(key, io.BytesIO(data), "audio/mpeg")


def read_all(storage: Storage, key: str) -> bytes:
    """The whole object through iter_range, which both backends stream."""
    return b"".join(storage.iter_range(key, 0, storage.size(key) - 1))


def generated_blocks(count: int) -> Iterator[bytes]:
    """``count`` MiB, made one block at a time so the test never holds them all."""
    for index in range(count):
        yield random.Random(index).randbytes(MiB)


class GeneratedStream:
    """A read-only stream over generated blocks that fails the test on unbounded reads.

    It returns at most the rest of the current block, i.e. short reads like
    a network stream, and can break part way to simulate a dropped upload.
    """

    def __init__(self, blocks: int, max_read: int, fail_after: int | None = None) -> None:
        self._blocks = generated_blocks(blocks)
        self._current = memoryview(b"")
        self._max_read = max_read
        self._fail_after = fail_after
        self.position = 0
        self.largest_read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        assert size is not None and 0 < size <= self._max_read, f"unbounded read({size})"
        self.largest_read = max(self.largest_read, size)
        if self._fail_after is not None and self.position >= self._fail_after:
            raise RuntimeError("the upload stream broke")
        if not self._current:
            self._current = memoryview(next(self._blocks, b""))
        chunk = bytes(self._current[:size])
        self._current = self._current[len(chunk) :]
        self.position += len(chunk)
        return chunk


def leftover_uploads(storage: S3Storage) -> list[str]:
    """Multipart uploads still open under the storage's prefix: invisible, but billed."""
    listing = storage.client.list_multipart_uploads(Bucket=storage.bucket, Prefix=storage.prefix)
    return [upload["Key"] for upload in listing.get("Uploads", [])]


def free_port() -> int:
    """A loopback port nobody listens on (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- saving ---------------------------------------------------------------


def test_save_streams_large_input_in_bounded_reads(storage: Storage) -> None:
    stream = GeneratedStream(blocks=20, max_read=PART_SIZE)
    expected = hashlib.sha256()
    for block in generated_blocks(20):
        expected.update(block)

    saved = storage.save("show/big.mp3", stream, "audio/mpeg")  # type: ignore[arg-type]

    assert saved == SavedObject("show/big.mp3", 20 * MiB, expected.hexdigest())
    assert stream.largest_read <= PART_SIZE < 20 * MiB
    assert storage.size("show/big.mp3") == 20 * MiB
    assert hashlib.sha256(read_all(storage, "show/big.mp3")).hexdigest() == saved.sha256


@pytest.mark.parametrize("size", [0, 1, 5000])
def test_save_reports_size_and_sha256(storage: Storage, size: int) -> None:
    data = blob(size)
    saved = save_bytes(storage, "a.mp3", data)
    assert saved == SavedObject("a.mp3", size, hashlib.sha256(data).hexdigest())
    assert storage.size("a.mp3") == size
    with storage.open("a.mp3") as stream:
        assert stream.read() == data


def test_save_replaces_an_existing_object(storage: Storage) -> None:
    save_bytes(storage, "a.mp3", b"old")
    save_bytes(storage, "a.mp3", b"new content")
    assert read_all(storage, "a.mp3") == b"new content"


@pytest.mark.parametrize("fail_after", [0, 10 * MiB], ids=["at-start", "halfway"])
def test_failing_save_leaves_nothing_behind(storage: Storage, fail_after: int) -> None:
    save_bytes(storage, "keep.mp3", b"unrelated")
    stream = GeneratedStream(blocks=20, max_read=PART_SIZE, fail_after=fail_after)

    with pytest.raises(StorageError, match="stream broke"):
        storage.save("show/broken.mp3", stream, "audio/mpeg")  # type: ignore[arg-type]

    assert not storage.exists("show/broken.mp3")
    assert storage.list_keys() == ["keep.mp3"]
    if isinstance(storage, LocalStorage):
        every_file = [p for p in storage.root.rglob("*") if p.is_file()]
        assert every_file == [storage.root / "keep.mp3"], "a temp file was left"
    else:
        assert isinstance(storage, S3Storage)
        assert leftover_uploads(storage) == []


# --- reading --------------------------------------------------------------


def test_open_reads_and_seeks(storage: Storage) -> None:
    data = blob(READ_AHEAD * 2 + 1234, seed=1)
    save_bytes(storage, "ep.mp3", data)
    with storage.open("ep.mp3") as stream:
        assert stream.seekable()
        assert stream.read(10) == data[:10]
        assert stream.seek(-128, io.SEEK_END) == len(data) - 128
        assert stream.read() == data[-128:]
        assert stream.read(5) == b""
        stream.seek(READ_AHEAD - 3)
        assert stream.read(10) == data[READ_AHEAD - 3 : READ_AHEAD + 7]
        stream.seek(-20, io.SEEK_CUR)
        assert stream.tell() == READ_AHEAD - 13
        assert stream.read(4) == data[READ_AHEAD - 13 : READ_AHEAD - 9]
        stream.seek(0)
        assert stream.read() == data


def test_iter_range_yields_exactly_the_range(storage: Storage) -> None:
    data = blob(3 * MiB + 17, seed=2)
    save_bytes(storage, "ep.mp3", data)
    last = len(data) - 1
    ranges = [
        (0, 0),
        (0, 99),
        (1000, 2 * MiB + 5),
        (last - 99, last),
        (last, last),
        (0, last),
        (last - 9, last + 1000),  # past the end: clamped, as HTTP does
    ]
    for start, end in ranges:
        chunks = list(storage.iter_range("ep.mp3", start, end))
        assert b"".join(chunks) == data[start : end + 1], (start, end)
        assert all(0 < len(chunk) <= CHUNK_SIZE for chunk in chunks)


def test_iter_range_refuses_impossible_ranges(storage: Storage) -> None:
    save_bytes(storage, "ep.mp3", b"0123456789")
    with pytest.raises(StorageError):
        list(storage.iter_range("ep.mp3", 10, 20))
    with pytest.raises(ValueError):
        storage.iter_range("ep.mp3", 5, 4)
    with pytest.raises(ValueError):
        storage.iter_range("ep.mp3", -1, 4)


def test_iter_range_can_be_closed_early(storage: Storage) -> None:
    """A client that hangs up must not leak a file or a connection (warnings are errors)."""
    save_bytes(storage, "ep.mp3", blob(3 * MiB))
    started = storage.iter_range("ep.mp3", 0, 3 * MiB - 1)
    assert len(next(started)) == CHUNK_SIZE
    started.close()  # type: ignore[attr-defined]
    assert list(started) == []
    storage.iter_range("ep.mp3", 0, 10).close()  # type: ignore[attr-defined]


def test_missing_objects_raise_object_not_found(storage: Storage) -> None:
    with pytest.raises(ObjectNotFound):
        storage.open("nope.mp3")
    with pytest.raises(ObjectNotFound):
        storage.iter_range("nope.mp3", 0, 10)
    with pytest.raises(ObjectNotFound):
        storage.size("nope.mp3")
    assert not storage.exists("nope.mp3")


# --- managing -------------------------------------------------------------


def test_exists_size_and_delete(storage: Storage) -> None:
    save_bytes(storage, "show/ep.mp3", b"12345")
    assert storage.exists("show/ep.mp3")
    assert storage.size("show/ep.mp3") == 5
    assert not storage.exists("show")  # a "directory" of keys is not an object

    storage.delete("show/ep.mp3")

    assert not storage.exists("show/ep.mp3")
    with pytest.raises(ObjectNotFound):
        storage.size("show/ep.mp3")
    storage.delete("show/ep.mp3")  # deleting a missing object is fine
    storage.delete("never/was.mp3")


def test_list_keys_with_prefix(storage: Storage) -> None:
    keys = ["show-a/1.mp3", "show-a/2.mp3", "show-b/1.mp3", "top.txt"]
    for key in reversed(keys):
        save_bytes(storage, key, key.encode())
    assert storage.list_keys() == keys
    assert storage.list_keys("show-a/") == keys[:2]
    assert storage.list_keys("show") == keys[:3]
    assert storage.list_keys("show-a/2") == ["show-a/2.mp3"]
    assert storage.list_keys("none/") == []


def test_list_objects_gives_sizes_and_modification_times(storage: Storage) -> None:
    before = datetime.now(UTC) - timedelta(seconds=2)  # S3 dates are whole seconds
    for key, data in [("show-b/1.mp3", b"yyy"), ("show-a/2.mp3", b"xx"), ("show-a/1.mp3", b"x")]:
        save_bytes(storage, key, data)
    after = datetime.now(UTC) + timedelta(seconds=2)
    listing = storage.list_objects("show-a/")
    assert [(info.key, info.size) for info in listing] == [("show-a/1.mp3", 1), ("show-a/2.mp3", 2)]
    assert all(before <= info.last_modified <= after for info in listing)
    assert [info.key for info in storage.list_objects()] == storage.list_keys()
    assert storage.list_objects("none/") == []


def test_stat_gives_size_and_modification_time(storage: Storage) -> None:
    save_bytes(storage, "show/a.mp3", b"abcd")
    listed = storage.list_objects()[0]
    info = storage.stat("show/a.mp3")
    assert (info.key, info.size) == ("show/a.mp3", 4)
    # The listing may carry fractions of a second that HEAD's date header drops.
    assert abs(info.last_modified - listed.last_modified) < timedelta(seconds=1)
    with pytest.raises(ObjectNotFound):
        storage.stat("show/missing.mp3")


def test_local_listing_leaves_out_saves_and_uploads_in_progress(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    save_bytes(storage, "show/a.mp3", b"abc")
    (tmp_path / "show" / ".b.mp3.k2j3h4.part").write_bytes(b"half a save")
    storage.partials.write("upload-token-1", 0, io.BytesIO(b"a chunk"), 7)
    a_week_ago = time.time() - 7 * 86400
    os.utime(tmp_path / "show" / "a.mp3", (a_week_ago, a_week_ago))
    [info] = storage.list_objects()
    assert info.key == "show/a.mp3"
    assert info.last_modified == datetime.fromtimestamp(a_week_ago, UTC)


def test_local_unfinished_writes_are_listed_apart(tmp_path: Path) -> None:
    """A save's temp file outlives a killed process; a sweep needs to find it."""
    storage = LocalStorage(tmp_path)
    save_bytes(storage, "show/a.mp3", b"abc")
    (tmp_path / "show" / ".b.mp3.k2j3h4.part").write_bytes(b"half a save")
    storage.partials.write("upload-token-1", 0, io.BytesIO(b"a chunk"), 7)
    unfinished = storage.list_unfinished()
    assert [(info.key, info.size) for info in unfinished] == [
        (".uploads/.upload-token-1.part", 7),
        ("show/.b.mp3.k2j3h4.part", 11),
    ]
    assert [partial_upload_id(info.key) for info in unfinished] == ["upload-token-1", None]
    assert partial_upload_id("show/a.mp3") is None
    assert partial_upload_id(".uploads/.x.part") is None  # too short to be an upload id


def test_local_listing_fails_when_a_folder_cannot_be_read(tmp_path: Path) -> None:
    """os.walk skips unreadable folders silently; a listing must not pretend they are empty."""
    storage = LocalStorage(tmp_path)
    save_bytes(storage, "show/a.mp3", b"abc")
    (tmp_path / "show" / "loop").symlink_to(tmp_path / "show" / "loop")
    with pytest.raises(StorageError, match="loop"):
        storage.list_objects()
    assert LocalStorage(tmp_path / "not-made-yet").list_objects() == []


BAD_KEYS = ["", "/abs.mp3", "../up.mp3", "a/../../b", "a//b", "./a", "a/", "a\\b"]

KEY_OPERATIONS: dict[str, Callable[[Storage, str], object]] = {
    "save": lambda s, k: s.save(k, io.BytesIO(b"x"), "audio/mpeg"),
    "open": lambda s, k: s.open(k),
    "iter_range": lambda s, k: s.iter_range(k, 0, 0),
    "delete": lambda s, k: s.delete(k),
    "size": lambda s, k: s.size(k),
    "exists": lambda s, k: s.exists(k),
    "url": lambda s, k: s.url(k),
    "stat": lambda s, k: s.stat(k),
}


@pytest.mark.parametrize("key", BAD_KEYS)
def test_invalid_keys_are_refused(storage: Storage, key: str) -> None:
    for name, operation in KEY_OPERATIONS.items():
        with pytest.raises(StorageError, match="invalid storage key"):
            operation(storage, key)
            pytest.fail(f"{name} accepted {key!r}")
    with pytest.raises(StorageError, match="invalid storage prefix"):
        storage.list_keys("../")
    assert storage.list_keys() == []


def test_check_passes(storage: Storage) -> None:
    storage.check()


# --- URLs -----------------------------------------------------------------


def test_public_base_url_is_prefixed_to_the_key(storage: Storage) -> None:
    storage.public_base_url = "https://cdn.example.org/media/"  # type: ignore[attr-defined]
    assert storage.url("show/ep 1.mp3") == "https://cdn.example.org/media/show/ep%201.mp3"


def test_local_has_no_url_without_public_base(tmp_path: Path) -> None:
    assert LocalStorage(tmp_path).url("ep.mp3") is None


def test_presigned_url_serves_the_object_and_ranges(s3_storage: S3Storage) -> None:
    data = blob(100_000, seed=3)
    save_bytes(s3_storage, "show/ep.mp3", data)
    url = s3_storage.url("show/ep.mp3", expires_in=60)
    assert url is not None and "X-Amz-Signature=" in url

    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "audio/mpeg"
        assert response.read() == data
    ranged = urllib.request.Request(url, headers={"Range": "bytes=100-199"})
    with urllib.request.urlopen(ranged, timeout=10) as response:
        assert response.status == 206
        assert response.read() == data[100:200]


# --- S3 specifics ---------------------------------------------------------


def test_s3_open_fetches_only_what_is_read(s3_storage: S3Storage) -> None:
    """A tag parser reads the head and the tail; it must not pull the whole file."""
    save_bytes(s3_storage, "ep.mp3", blob(5 * MiB, seed=4))
    fetched: list[int] = []

    def count(parsed: dict[str, Any], **_: Any) -> None:
        fetched.append(parsed["ContentLength"])

    s3_storage.client.meta.events.register("after-call.s3.GetObject", count)
    try:
        with s3_storage.open("ep.mp3") as stream:
            stream.read(10)
            stream.read(4000)
            stream.seek(-128, io.SEEK_END)
            stream.read(128)
            stream.seek(20)
            stream.read(100)
    finally:
        s3_storage.client.meta.events.unregister("after-call.s3.GetObject", count)
    assert len(fetched) == 2  # the first block and the last; going back to the first is free
    assert sum(fetched) <= 2 * READ_AHEAD


def test_s3_mutagen_probes_real_audio_without_downloading_it(
    s3_storage: S3Storage, audio_dir: Path
) -> None:
    """What open() is for: mutagen reads tags and duration through ranged GETs."""
    tagged = (audio_dir / "tagged.mp3").read_bytes()
    header = audio.id3_size(tagged)
    long_mp3 = tagged[:header] + tagged[header:] * 100  # about 5 MB of valid frames
    samples = {path.name: path.read_bytes() for path in sorted(audio_dir.iterdir())}
    samples["long.mp3"] = long_mp3
    for name, data in samples.items():
        save_bytes(s3_storage, name, data)
    fetched: list[int] = []

    def count(parsed: dict[str, Any], **_: Any) -> None:
        fetched.append(parsed["ContentLength"])

    s3_storage.client.meta.events.register("after-call.s3.GetObject", count)
    for name, data in samples.items():
        fetched.clear()
        with s3_storage.open(name) as stream:
            remote = mutagen.File(stream)
        local = mutagen.File(io.BytesIO(data))
        assert type(remote) is type(local), name
        assert remote.pprint() == local.pprint(), name  # stream info and every tag
        assert sum(fetched) <= max(len(data), 2 * READ_AHEAD), name
    assert len(long_mp3) > 4 * 1024 * 1024 and sum(fetched) <= 2 * READ_AHEAD


def test_s3_open_refuses_an_object_replaced_mid_read(s3_storage: S3Storage) -> None:
    save_bytes(s3_storage, "ep.mp3", blob(2 * MiB, seed=5))
    with s3_storage.open("ep.mp3") as stream:
        stream.read(10)
        save_bytes(s3_storage, "ep.mp3", blob(2 * MiB, seed=6))
        stream.seek(MiB)
        with pytest.raises(StorageError, match="PreconditionFailed"):
            stream.read(10)


def test_s3_prefixes_keep_installs_apart(seaweedfs: Any, s3_bucket: str) -> None:
    first, second = make_s3(seaweedfs, fresh_prefix()), make_s3(seaweedfs, fresh_prefix())
    save_bytes(first, "ep.mp3", b"first")
    save_bytes(second, "ep.mp3", b"second")
    assert first.list_keys() == second.list_keys() == ["ep.mp3"]
    assert read_all(first, "ep.mp3") == b"first"
    raw = first.client.get_object(Bucket=BUCKET, Key=first.prefix + "ep.mp3")
    assert raw["Body"].read() == b"first"
    assert raw["ContentType"] == "audio/mpeg"


def test_s3_check_fails_fast_when_nobody_listens() -> None:
    storage = S3Storage(
        "some-bucket",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region="us-east-1",
        access_key_id="k",
        secret_access_key="s",
        connect_timeout=1,
        max_attempts=1,
    )
    started = time.monotonic()
    with pytest.raises(StorageError, match="not reachable"):
        storage.check()
    assert time.monotonic() - started < 5


def test_s3_check_fails_for_a_missing_bucket(seaweedfs: Any) -> None:
    storage = make_s3(seaweedfs, "")
    storage.bucket = "no-such-bucket-here"
    with pytest.raises(StorageError, match="no-such-bucket-here"):
        storage.check()


# --- local specifics ------------------------------------------------------


def test_local_path_and_file_mode(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    save_bytes(storage, "show/ep.mp3", b"abc")
    path = storage.path("show/ep.mp3")
    assert path == tmp_path / "show" / "ep.mp3"
    assert path.read_bytes() == b"abc"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_local_check_fails_when_root_is_not_a_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageError, match="not writable"):
        LocalStorage(tmp_path / "file").check()


# --- storage_from_url -----------------------------------------------------


def test_from_url_file(tmp_path: Path) -> None:
    storage = storage_from_url(f"file://{tmp_path}/media%20files?public_base_url=https://x.org/m")
    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "media files"
    assert storage.url("a.mp3") == "https://x.org/m/a.mp3"


def test_from_url_s3_with_query_and_keyword_options() -> None:
    storage = storage_from_url(
        "s3://my-bucket/pod/cast/?endpoint_url=http://127.0.0.1:8333"
        "&region=us-east-1&addressing_style=path&max_attempts=1",
        region="eu-central-1",
        public_base_url=None,  # None means "not given"
    )
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix) == ("my-bucket", "pod/cast/")
    assert storage.client.meta.endpoint_url == "http://127.0.0.1:8333"
    assert storage.client.meta.region_name == "eu-central-1"
    assert storage.client.meta.config.s3 == {"addressing_style": "path"}
    assert storage.client.meta.config.retries["total_max_attempts"] == 1


def test_from_url_s3_credentials_fall_back_to_the_environment(
    seaweedfs: Any, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweedfs.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweedfs.secret_key)
    prefix = fresh_prefix()
    storage = storage_from_url(
        f"s3://{BUCKET}/{prefix}?endpoint_url={seaweedfs.endpoint_url}&addressing_style=path",
        region=seaweedfs.region,
    )
    save_bytes(storage, "ep.mp3", b"via env")
    assert read_all(storage, "ep.mp3") == b"via env"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://u:hunter2@host/x", "unsupported storage URL scheme 'ftp'"),
        ("/srv/media", "unsupported storage URL scheme ''"),
        ("file://host/srv/media", "cannot name a host"),
        ("file:relative/path", "absolute path"),
        ("s3:///prefix", "needs a bucket"),
        ("s3://key:hunter2@bucket/p", "not the URL"),
        ("s3://b?secret_access_key=hunter2&endpoint=x", "unknown storage option 'endpoint'"),
        ("s3://bucket?max_attempts=many", "invalid value"),
        ("s3://bucket?region=a&region=b", "given twice"),
        ("s3://bucket?addressing_style=sideways", "addressing_style must be"),
        ("file:///srv/media?region=x", "'region' applies to s3: URLs only"),
    ],
)
def test_from_url_refuses_bad_urls(url: str, message: str) -> None:
    with pytest.raises(StorageError, match=message) as caught:
        storage_from_url(url)
    assert "hunter2" not in str(caught.value)


def test_from_url_checks_and_converts_keyword_options(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="unknown storage option 'bucket_name'"):
        storage_from_url("s3://bucket", bucket_name="x")
    with pytest.raises(StorageError, match="'endpoint_url' applies to s3: URLs only"):
        storage_from_url(tmp_path.as_uri(), endpoint_url="http://127.0.0.1:1")
    with pytest.raises(StorageError, match="'max_attempts' has an invalid value"):
        storage_from_url("s3://bucket", max_attempts="x")
    storage = storage_from_url("s3://bucket", max_attempts="4", connect_timeout=1.5)
    assert isinstance(storage, S3Storage)
    assert storage.client.meta.config.retries["total_max_attempts"] == 4
    assert storage.client.meta.config.connect_timeout == 1.5
