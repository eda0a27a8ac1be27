"""Fixtures for imports: the old host on loopback, and apps allowed to fetch from it."""

from __future__ import annotations

import pytest

from tests.app.imports.source import SourceServer
from tests.support.audio import cover_jpeg


@pytest.fixture
def app_config(app_config: dict) -> dict:
    """The test server is on 127.0.0.1, which only an admin's allow-list opens."""
    return {
        **app_config,
        "IMPORT_ALLOWED_HOSTS": ("127.0.0.1",),
        "IMPORT_RUN_IN_WEB": False,
    }


@pytest.fixture
def source():
    server = SourceServer().start()
    yield server
    server.stop()


@pytest.fixture
def artwork(source) -> str:
    from media.artwork import placeholder_png

    return source.file("/art/cover.png", placeholder_png(1400, (200, 30, 30)), "image/png")


@pytest.fixture
def small_jpeg() -> bytes:
    return cover_jpeg()
