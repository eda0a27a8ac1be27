"""``/healthz`` tells a load balancer whether this process can do its work."""

from __future__ import annotations

from app import create_app


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "storage": "ok"}}


def test_storage_down_is_503(app, client, broken_storage):
    app.extensions["storage"] = broken_storage
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "storage": "unreachable"}


def test_database_down_is_503(app_config, tmp_path):
    config = dict(
        app_config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"
    )
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://127.0.0.1:1/nothing"
    response = create_app(config).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unreachable"
