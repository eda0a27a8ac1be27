"""Fixtures for imports: the old host on loopback, and apps allowed to fetch from it."""

from __future__ import annotations

import pytest

from tests.app.imports.source import SourceServer
from tests.support.audio import cover_jpeg


@pytest.fixture
def app_config(app_config: dict) -> dict:
    """The test server is on 127.0.0.1, which only an admin's allow-list opens.

    The queue is a real one (SQLite in the instance folder) that no consumer
    reads unless a test starts one: the tests run the jobs when they choose.
    """
    return {**app_config, "IMPORT_ALLOWED_HOSTS": ("127.0.0.1",), "QUEUE_URL": ""}


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


@pytest.fixture
def fresh_app(backend, request, tmp_path):
    """A second, empty instance of the same shape, at another public address."""
    import shutil
    import uuid

    from app import create_app
    from app.extensions import db
    from tests.app.conftest import base_config, migrate, s3_options
    from tests.support import postgres

    instance = tmp_path / "fresh-instance"
    extra = {"PUBLIC_BASE_URL": "https://pod.malmo.se", "QUEUE_URL": ""}
    if backend == "embedded":
        database = tmp_path / "fresh.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), database)
        config = base_config(f"sqlite:///{database}", (tmp_path / "fresh-media").as_uri(), instance)
        app = create_app({**config, **extra})
        yield app
    else:
        seaweedfs = request.getfixturevalue("seaweedfs")
        bucket = request.getfixturevalue("s3_bucket")
        with postgres.temporary_database() as url:
            migrate(url, tmp_path / "fresh-migrate")
            config = base_config(url, f"s3://{bucket}/fresh-{uuid.uuid4().hex[:12]}", instance)
            config["STORAGE_OPTIONS"] = s3_options(seaweedfs)
            app = create_app({**config, **extra})
            yield app
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        return
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
