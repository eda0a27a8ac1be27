"""``/healthz`` says the process lives; ``/readyz`` whether it can do its work, and if not why."""

from __future__ import annotations

import socket

import pytest

from app import create_app

REDIS_TEST_URL = "redis://127.0.0.1:6379/13"


def test_healthz_asks_nothing(app, client, broken_storage):
    app.extensions["storage"] = broken_storage  # a liveness check must not depend on it
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "checks": {"database": "ok", "storage": "ok", "queue": "ok"},
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_storage_down_is_503_naming_it(app, client, broken_storage):
    app.extensions["storage"] = broken_storage
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "storage": "unreachable", "queue": "ok"}
    assert response.json["failed"] == ["storage"]


def test_database_down_is_503_naming_it(app_config, tmp_path):
    config = dict(
        app_config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"
    )
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://127.0.0.1:1/nothing"
    response = create_app(config).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["database"]


@pytest.fixture
def silent_port():
    """A port that accepts connections and never answers: a hung dependency."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


def test_a_hung_storage_times_out_quickly(app, client, silent_port, backend):
    if backend == "embedded":
        pytest.skip("local disk cannot hang on a socket")
    from media.storage import storage_from_url

    options = dict(app.config["STORAGE_OPTIONS"], endpoint_url=f"http://127.0.0.1:{silent_port}")
    app.extensions["storage"] = storage_from_url(app.config["STORAGE_URL"], **options)
    app.config["READY_TIMEOUT"] = 0.5
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["storage"] == "timeout"


def test_redis_queue_answers_ping(app, client):
    app.config["QUEUE_URL"] = REDIS_TEST_URL
    response = client.get("/readyz")
    assert response.json["checks"]["queue"] == "ok", response.json


def test_redis_queue_down_is_503_naming_it(app, client, silent_port):
    app.config["QUEUE_URL"] = "redis://127.0.0.1:1/13"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["queue"]
    app.config.update(QUEUE_URL=f"redis://127.0.0.1:{silent_port}/13", READY_TIMEOUT=0.5)
    assert client.get("/readyz").json["checks"]["queue"] in ("timeout", "unreachable")
