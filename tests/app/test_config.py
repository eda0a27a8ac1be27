"""Settings from the environment, and the embedded defaults."""

from __future__ import annotations

import pytest

from app.config import ConfigError, load_config


def test_embedded_defaults_live_in_the_instance_folder(tmp_path):
    config = load_config(str(tmp_path), env={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/podhost.sqlite3"
    assert config["STORAGE_URL"] == (tmp_path / "media").as_uri()
    assert config["MAX_CONTENT_LENGTH"] == config["MAX_UPLOAD_BYTES"] == 4 * 1024**3
    assert config["UPLOAD_PART_BYTES"] == config["UPLOAD_CHUNK_BYTES"] == 8 * 1024**2
    assert config["UPLOAD_CORS"] == "auto"
    assert config["EMBEDDED"] is True


def test_embedded_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_config(str(tmp_path), env={})["SECRET_KEY"]
    assert len(first) == 64
    assert load_config(str(tmp_path), env={})["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_secret_key_required_with_a_database_url(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config(str(tmp_path), env={"DATABASE_URL": "postgresql://db/podhost"})


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_postgres_urls_use_psycopg3(tmp_path, scheme):
    env = {
        "DATABASE_URL": f"{scheme}://u:p@db:5432/podhost",
        "SECRET_KEY": "k",
        "PUBLIC_BASE_URL": "https://podd.malmo.example",
    }
    config = load_config(str(tmp_path), env=env)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db:5432/podhost"


def test_public_address_is_required_with_a_database_url(tmp_path):
    """Production must say where it is published: no request's Host may decide (issue 12)."""
    env = {"DATABASE_URL": "postgresql://db/podhost", "SECRET_KEY": "k"}
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL is not set"):
        load_config(str(tmp_path), env=env)
    with pytest.raises(ConfigError, match="must be an http"):
        load_config(str(tmp_path), env={**env, "PUBLIC_BASE_URL": "podd.malmo.se"})


def test_the_demo_answers_at_its_own_address_and_only_to_this_machine(tmp_path):
    config = load_config(str(tmp_path), env={})
    assert config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_trusted_hosts_only_when_asked_once_the_address_is_set(tmp_path):
    env = {"PUBLIC_BASE_URL": "https://podd.malmo.se/"}
    config = load_config(str(tmp_path), env=env)
    assert (config["PUBLIC_BASE_URL"], config["TRUSTED_HOSTS"]) == ("https://podd.malmo.se", None)
    env["TRUSTED_HOSTS"] = "podd.malmo.se, .intern.malmo.se"
    assert load_config(str(tmp_path), env=env)["TRUSTED_HOSTS"] == [
        "podd.malmo.se",
        ".intern.malmo.se",
    ]


def test_s3_options_and_limits_from_environment(tmp_path):
    env = {
        "STORAGE_URL": "s3://bucket/prefix",
        "S3_ENDPOINT_URL": "http://127.0.0.1:8333",
        "S3_ADDRESSING_STYLE": "path",
        "MAX_UPLOAD_BYTES": "2048",
        "PUBLIC_BASE_URL": "https://podd.malmo.example/",
        "MEDIA_DELIVERY": "redirect",
    }
    config = load_config(str(tmp_path), env=env)
    assert config["STORAGE_OPTIONS"] == {
        "endpoint_url": "http://127.0.0.1:8333",
        "addressing_style": "path",
    }
    assert config["MAX_CONTENT_LENGTH"] == config["MAX_UPLOAD_BYTES"] == 2048
    assert config["PUBLIC_BASE_URL"] == "https://podd.malmo.example"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["MEDIA_DELIVERY"] == "redirect"


def test_unknown_delivery_mode_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="MEDIA_DELIVERY"):
        load_config(str(tmp_path), env={"MEDIA_DELIVERY": "ftp"})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRUSTED_PROXIES", "10.0.0.1, proxy.local", "'proxy.local' is not an IP address"),
        ("ANALYTICS_RETENTION_DAYS", "0", "whole number of days"),
        ("ANALYTICS_BUFFER_SECONDS", "soon", "between 0 and 10"),
    ],
)
def test_analytics_settings_are_checked(tmp_path, name, value, message):
    with pytest.raises(ConfigError, match=message):
        load_config(str(tmp_path), env={name: value})


def test_analytics_defaults(tmp_path):
    config = load_config(str(tmp_path), env={"TRUSTED_PROXIES": "10.0.0.0/8"})
    assert [str(n) for n in config["TRUSTED_PROXIES"]] == ["10.0.0.0/8"]
    assert config["ANALYTICS_RETENTION_DAYS"] == 30
    assert config["ANALYTICS_BUFFER_SECONDS"] == 0.25


def test_embed_origins_default_to_any_and_are_checked(tmp_path):
    assert load_config(str(tmp_path), env={})["EMBED_ALLOWED_ORIGINS"] == ()
    env = {"EMBED_ALLOWED_ORIGINS": "https://malmo.se, https://www.malmo.se:8443"}
    assert load_config(str(tmp_path), env=env)["EMBED_ALLOWED_ORIGINS"] == (
        "https://malmo.se",
        "https://www.malmo.se:8443",
    )
    with pytest.raises(ConfigError, match="not an origin"):
        load_config(str(tmp_path), env={"EMBED_ALLOWED_ORIGINS": "https://malmo.se/podd"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_UPLOAD_BYTES", "4G"),
        ("UPLOAD_PART_BYTES", str(4 * 1024**2)),  # S3 refuses parts under 5 MiB
        ("UPLOAD_CHUNK_BYTES", "100"),
        ("UPLOAD_CORS", "sometimes"),
    ],
)
def test_upload_settings_are_checked(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config(str(tmp_path), env={name: value})


def test_storage_sweep_runs_daily_for_objects_older_than_a_day_by_default(tmp_path):
    config = load_config(str(tmp_path), env={})
    assert config["STORAGE_SWEEP_EVERY"] == config["STORAGE_SWEEP_GRACE"] == 86400
    env = {"STORAGE_SWEEP_EVERY": "0", "STORAGE_SWEEP_GRACE": "7200"}
    config = load_config(str(tmp_path), env=env)
    assert (config["STORAGE_SWEEP_EVERY"], config["STORAGE_SWEEP_GRACE"]) == (0, 7200)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STORAGE_SWEEP_EVERY", "-1"),
        ("STORAGE_SWEEP_EVERY", "daily"),
        # Shorter would risk objects stored a moment before their rows commit.
        ("STORAGE_SWEEP_GRACE", "60"),
        ("STORAGE_SWEEP_GRACE", "nan"),
    ],
)
def test_storage_sweep_settings_are_checked(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config(str(tmp_path), env={name: value})


def test_the_job_queue_defaults_to_sqlite_and_takes_redis(tmp_path):
    config = load_config(str(tmp_path), env={})
    assert config["QUEUE_URL"] == ""  # SQLite in the instance folder (app/jobs/queue.py)
    assert (config["QUEUE_WORKERS"], config["QUEUE_LEASE_SECONDS"]) == (2, 60.0)
    assert (config["QUEUE_TICK_SECONDS"], config["QUEUE_IN_PROCESS"]) == (30.0, False)
    redis = load_config(str(tmp_path), env={"QUEUE_URL": "redis://queue:6379/0"})
    assert redis["QUEUE_URL"] == "redis://queue:6379/0"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("QUEUE_URL", "amqp://rabbit/"),
        ("QUEUE_WORKERS", "0"),
        ("QUEUE_LEASE_SECONDS", "0"),
        ("QUEUE_TICK_SECONDS", "soon"),
    ],
)
def test_job_queue_settings_are_checked(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config(str(tmp_path), env={name: value})
