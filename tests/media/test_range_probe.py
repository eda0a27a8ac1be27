"""Probing an object in S3 in place: a long file costs a few ranged GETs, not a download."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from media.probe import probe_audio
from media.storage import RangeReader, S3Storage
from tests.support import audio

BUCKET = "range-probe-tests"
HOUR = 3600.0


@pytest.fixture(scope="module")
def s3_storage(seaweedfs: Any) -> S3Storage:
    seaweedfs.make_bucket(BUCKET)
    return S3Storage(
        BUCKET,
        f"t-{uuid.uuid4().hex[:12]}",
        endpoint_url=seaweedfs.endpoint_url,
        region=seaweedfs.region,
        addressing_style="path",
        access_key_id=seaweedfs.access_key,
        secret_access_key=seaweedfs.secret_key,
    )


@pytest.fixture(scope="module", params=["mp3", "m4a"])
def hour_long(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return audio.stretched(tmp_path_factory.mktemp("hour"), request.param, HOUR)


def test_probing_an_hour_in_s3_reads_under_five_percent(
    s3_storage: S3Storage, hour_long: Path
) -> None:
    with hour_long.open("rb") as stream:
        s3_storage.save(hour_long.name, stream, "application/octet-stream")
    with hour_long.open("rb") as stream:
        local = probe_audio(stream)
    with s3_storage.open(hour_long.name) as stream:
        remote = probe_audio(stream)
        raw = stream.raw
        assert isinstance(raw, RangeReader)
        fetched, requests = raw.bytes_fetched, raw.requests
    size = hour_long.stat().st_size
    assert remote == local
    assert abs(remote.duration - HOUR) < 5
    assert 0 < fetched < 0.05 * size, f"{fetched} of {size} bytes in {requests} requests"


def test_the_count_sees_every_byte(s3_storage: S3Storage, audio_dir: Path) -> None:
    """The meter itself: reading a whole small object counts all of it."""
    path = audio_dir / "tone.wav"
    with path.open("rb") as stream:
        s3_storage.save("whole.wav", stream, "audio/wav")
    with s3_storage.open("whole.wav") as stream:
        assert stream.read() == path.read_bytes()
        assert stream.raw.bytes_fetched == path.stat().st_size
