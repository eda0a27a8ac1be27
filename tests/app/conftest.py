"""The ``app`` fixture: every app test runs twice, on both deployment shapes.

``embedded``: SQLite and local storage in a temporary instance folder.
``production``: PostgreSQL and SeaweedFS (S3), each test with clean tables
and its own key prefix in the bucket.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.conftest import missing_service
from tests.support import postgres

BUCKET = "podhost-test"
TABLES = (
    "episodes",
    "shows",
    "stored_files",
    "users",
    "download_salts",
    "pending_uploads",
    "chapters",
)
# Truncated too, but not counted by row_counts: failed logins are rows by design.
CLEARED = (*TABLES, "login_failures")
PUBLIC_BASE_URL = "http://podcasts.test"


def migrate(database_url: str, instance: Path) -> None:
    """Build the schema the way production does: through the migrations."""
    app = create_app(base_config(database_url, "file://" + str(instance / "media"), instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def base_config(database_url: str, storage_url: str, instance: Path, **extra) -> dict:
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "STORAGE_URL": storage_url,
        "STORAGE_OPTIONS": {},
        "SECRET_KEY": "test-secret-key",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "ANALYTICS_BUFFER_SECONDS": 0,  # each hit in its request; batching has its own tests
        "ANNOUNCE_ON_COMMIT": False,  # no pings to the public hub; tests/app/feeds/test_websub.py
        "QUEUE_URL": "immediate",  # jobs run where queued; tests/app/jobs run real consumers
        # Uploads as they are; tests/app/processing turns processing on (issue 16).
        "AUDIO_PROCESSING": False,
        **extra,
    }


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test instead of migrating each time."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    migrate(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory):
    reason = postgres.server_available()
    if reason:
        missing_service(reason)
    with postgres.temporary_database() as url:
        migrate(url, tmp_path_factory.mktemp("pg-instance"))
        yield url


@pytest.fixture(scope="session")
def s3_bucket(seaweedfs) -> str:
    seaweedfs.make_bucket(BUCKET)
    return BUCKET


def s3_options(seaweedfs) -> dict:
    return {
        "endpoint_url": seaweedfs.endpoint_url,
        "region": seaweedfs.region,
        "addressing_style": "path",
        "access_key_id": seaweedfs.access_key,
        "secret_access_key": seaweedfs.secret_key,
    }


@pytest.fixture(params=["embedded", pytest.param("production", marks=pytest.mark.production)])
def backend(request) -> str:
    return request.param


@pytest.fixture
def app_config(backend: str, request, tmp_path: Path) -> dict:
    """Settings for one fresh app: a clean database and an empty storage area."""
    instance = tmp_path / "instance"
    if backend == "embedded":
        database = tmp_path / "podhost.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), database)
        return base_config(f"sqlite:///{database}", (tmp_path / "media").as_uri(), instance)
    url = request.getfixturevalue("postgres_url")
    seaweedfs = request.getfixturevalue("seaweedfs")
    bucket = request.getfixturevalue("s3_bucket")
    prefix = f"t-{uuid.uuid4().hex[:12]}"
    config = base_config(url, f"s3://{bucket}/{prefix}", instance)
    config["STORAGE_OPTIONS"] = s3_options(seaweedfs)
    return config


def fresh_app(config: dict):
    """An app on emptied tables (PostgreSQL is shared by a session's tests), closed after."""
    app = create_app(config)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        with app.app_context():
            db.session.execute(text(f"TRUNCATE {', '.join(CLEARED)} RESTART IDENTITY CASCADE"))
            db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(app_config: dict):
    yield from fresh_app(app_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, url: str) -> str:
    """The token from the form at ``url``, as a browser would submit it."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token in {url}"
    return match.group(1)


PASSWORD = "correct horse battery"


@pytest.fixture
def show(app) -> str:
    """A show made through the service, with its placeholder artwork stored."""
    from app.services.shows import create_show

    with app.app_context():
        return create_show(
            "testpodden",
            title="Testpodden",
            language="sv",
            description="En podd för tester.",
            owner_email="podd@example.org",
        ).slug


@pytest.fixture
def producer(app, show) -> str:
    """A studio user who is an editor of ``show``: may upload and publish there."""
    from app.services import members
    from app.services.shows import get_show
    from app.services.users import create_user

    with app.app_context():
        user = create_user("producer@example.org", PASSWORD)
        members.set_role(user, get_show(show), "editor")
        return user.email


def log_in(client, email: str, password: str = PASSWORD):
    token = csrf_token(client, "/studio/login")
    return client.post(
        "/studio/login", data={"email": email, "password": password, "csrf_token": token}
    )


@pytest.fixture
def studio(client, producer):
    """A client logged in to the studio, whose browser asks for English.

    Without an Accept-Language header the studio speaks Swedish, the default.
    """
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = log_in(client, producer)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def upload(client, show_slug: str, path: Path | None, **fields):
    """Post the upload form as a browser would, with its CSRF token."""
    url = f"/studio/{show_slug}/episodes/new"
    data = {"csrf_token": csrf_token(client, url), "publish": "y", **fields}
    if path is not None:
        data["audio"] = (path.open("rb"), path.name)
    return client.post(url, data=data, content_type="multipart/form-data")


def stored_keys(app) -> list[str]:
    from app.storage import current_storage

    with app.app_context():
        return sorted(current_storage().list_keys())


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in TABLES
        }


@pytest.fixture
def broken_storage(backend, request, tmp_path):
    """A real backend that refuses writes and checks: a folder under a file, a closed port."""
    from media.storage import storage_from_url

    if backend == "embedded":
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the storage folder should be")
        return storage_from_url((blocker / "media").as_uri())
    # SeaweedFS creates a missing bucket on the first write, so "down" means no one listens.
    seaweedfs = request.getfixturevalue("seaweedfs")
    options = dict(s3_options(seaweedfs), endpoint_url="http://127.0.0.1:9", max_attempts=1)
    return storage_from_url(f"s3://{BUCKET}/x", **options)
