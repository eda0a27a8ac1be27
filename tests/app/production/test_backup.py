"""``flask backup``: a snapshot restored into a fresh instance serves the same show.

Both deployment shapes: SQLite + local disk, and PostgreSQL + SeaweedFS restored
into a new database and a new bucket. The restored instance has another base
URL, as a restore onto a new server would; after swapping it back the feed and
the public page are byte-identical, and the statistics and accounts are equal.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.services.analytics import aggregate_downloads
from app.services.analytics_reports import downloads_csv
from app.services.episodes import add_episode
from tests.app.conftest import PUBLIC_BASE_URL, base_config, s3_options
from tests.support import postgres

RESTORED_BASE_URL = "https://restored.example.org"
AGENTS = ("AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X)", "Overcast/3.0")


@pytest.fixture
def published(app, show, producer, audio_dir) -> str:
    """Two episodes, downloads by two apps, and the daily counts made from them."""
    with app.app_context():
        for number, fmt in enumerate(("mp3", "m4a"), start=1):
            with (audio_dir / f"tone.{fmt}").open("rb") as audio:
                add_episode(
                    show,
                    audio,
                    title=f"Avsnitt {number}",
                    published_at=datetime(2026, 11, number, 8, tzinfo=UTC),
                )
        keys = db.session.execute(text("SELECT storage_key FROM stored_files")).scalars().all()
    client = app.test_client()
    for key in keys:
        for agent in AGENTS:
            assert client.get(f"/media/{key}", headers={"User-Agent": agent}).status_code < 400
    with app.app_context():
        aggregate_downloads()
    return show


def snapshot(app, show: str) -> dict:
    """What a listener, a producer and an admin see, with the base URL made neutral."""
    client = app.test_client()
    base = app.config["PUBLIC_BASE_URL"]
    with app.app_context():
        tables = {
            table: db.session.execute(text(query)).all()
            for table, query in (
                ("users", "SELECT email, password_hash, is_admin FROM users ORDER BY email"),
                (
                    "hits",
                    "SELECT episode_id, day, listener, app, reason FROM download_hits ORDER BY id",
                ),
                ("daily", "SELECT * FROM daily_downloads ORDER BY 1, 2, 3"),
            )
        }
        csv = downloads_csv(show)
    feed = client.get(f"/{show}/feed.xml")
    page = client.get(f"/{show}/")
    assert feed.status_code == page.status_code == 200
    return {
        "feed": feed.data.replace(base.encode(), b"BASE"),
        "page": neutral(page.data, base),
        "csv": csv,
        **{name: [tuple(row) for row in rows] for name, rows in tables.items()},
    }


def neutral(page: bytes, base: str) -> bytes:
    """The page with its base URL taken out, also where links quote it or name the host alone."""
    for spelling in (base, quote(base, safe=""), base.split("://", 1)[1]):
        page = page.replace(spelling.encode(), b"BASE")
    return page


@pytest.fixture
def fresh_target(backend, request, tmp_path):
    """Settings of an empty instance of the same kind: no tables, no objects."""
    instance = tmp_path / "restored"
    if backend == "embedded":
        yield base_config(
            f"sqlite:///{instance / 'podhost.sqlite3'}",
            (instance / "media").as_uri(),
            instance,
            PUBLIC_BASE_URL=RESTORED_BASE_URL,
        )
        return
    seaweedfs = request.getfixturevalue("seaweedfs")
    bucket = f"restored-{uuid.uuid4().hex[:10]}"
    seaweedfs.make_bucket(bucket)
    with postgres.temporary_database() as url:
        config = base_config(url, f"s3://{bucket}", instance, PUBLIC_BASE_URL=RESTORED_BASE_URL)
        config["STORAGE_OPTIONS"] = s3_options(seaweedfs)
        yield config


def test_restore_into_a_fresh_instance_serves_the_same_show(app, published, fresh_target, tmp_path):
    before = snapshot(app, published)
    folder = tmp_path / "backup"
    result = app.test_cli_runner().invoke(args=["backup", "create", str(folder)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert len(manifest["objects"]) >= 3  # two audio files and the show's artwork
    verified = app.test_cli_runner().invoke(args=["backup", "verify", "--deep", str(folder)])
    assert verified.exit_code == 0, verified.output

    target = create_app(fresh_target)
    restored = target.test_cli_runner().invoke(args=["backup", "restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    after = snapshot(target, published)
    assert PUBLIC_BASE_URL.encode() not in after["feed"]
    for name in before:
        assert after[name] == before[name], name
    assert len(before["hits"]) == 2 * len(AGENTS) and before["daily"]
    with target.app_context():
        db.engine.dispose()


def test_restore_refuses_an_instance_that_is_not_empty(app, published, tmp_path):
    folder = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", "create", str(folder)]).exit_code == 0
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(folder)])
    assert result.exit_code != 0
    assert "already has tables" in result.output


def test_verify_names_a_damaged_copy_and_a_missing_object(app, published, tmp_path):
    folder = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", "create", str(folder)]).exit_code == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    damaged, missing = manifest["objects"][0]["key"], manifest["objects"][1]["key"]
    (folder / "objects" / damaged).write_bytes(b"not the audio")
    from app.storage import current_storage

    with app.app_context():
        current_storage().delete(missing)
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(folder)])
    assert result.exit_code == 1
    assert f"changed since the backup was made: objects/{damaged}" in result.output
    assert f"missing from storage: {missing}" in result.output


def test_create_refuses_a_folder_with_files(app, tmp_path: Path):
    (tmp_path / "old").write_text("an earlier backup")
    result = app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path)])
    assert result.exit_code == 1
    assert "is not empty" in result.output
