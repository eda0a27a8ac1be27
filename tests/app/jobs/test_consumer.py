"""``flask worker --once`` on both databases: the due periodic jobs, then the queue drained."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.jobs import enqueue, leases
from app.jobs.queue import queue
from app.models import DailyDownloads, StoredFile
from tests.app.conftest import stored_keys
from tests.app.services.test_analytics import episode_id, hit  # noqa: F401 (a fixture)
from tests.app.services.test_hashes import pending_file


def test_worker_once_aggregates_downloads_and_not_again_within_the_hour(
    app,
    runner,
    episode_id,  # noqa: F811
):
    hit(app, episode_id, at=datetime.now(UTC) - timedelta(minutes=5))
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "daily download counts updated" in result.output
    with app.app_context():
        assert [r.downloads for r in db.session.scalars(select(DailyDownloads))] == [1]
    again = runner.invoke(args=["worker", "--once"])  # cron a minute later: not due yet
    assert again.exit_code == 0, again.output
    assert "daily download counts" not in again.output


def put_orphan(app, key: str) -> None:
    from app.storage import current_storage

    with app.app_context():
        current_storage().save(key, io.BytesIO(b"orphan"), "application/octet-stream")


def test_worker_once_sweeps_storage_and_prints_what_it_removed(app, runner, show):
    app.config["STORAGE_SWEEP_GRACE"] = 0  # SeaweedFS dates objects now; 0 makes them old
    put_orphan(app, "testpodden/orphan.mp3")
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "storage sweep removed testpodden/orphan.mp3 (6 bytes)" in result.output
    assert "storage sweep removed 1 orphan object(s), 6 bytes" in result.output
    assert "testpodden/orphan.mp3" not in stored_keys(app)
    assert len(stored_keys(app)) == 1  # the show's artwork


def test_worker_leaves_storage_alone_when_the_sweep_is_off(app, runner, show):
    app.config["STORAGE_SWEEP_GRACE"] = 0
    app.config["STORAGE_SWEEP_EVERY"] = 0
    put_orphan(app, "testpodden/orphan.mp3")
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "storage sweep" not in result.output
    assert "testpodden/orphan.mp3" in stored_keys(app)


def test_worker_once_drains_the_queue(app, runner, show):
    """Jobs wait in the SQLite queue until a consumer (here ``--once``) runs them."""
    blobs = [os.urandom(2000 + n) for n in range(3)]
    with app.app_context():
        keys = [f"{show}/queued-{n}.mp3" for n in range(3)]
        for key, data in zip(keys, blobs, strict=True):
            pending_file(key, data)
            enqueue("hash_file", key=key)
        assert queue.pending_count() == 3
        assert set(
            db.session.scalars(select(StoredFile.sha256).where(StoredFile.storage_key.in_(keys)))
        ) == {""}
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert queue.pending_count() == 0
        assert leases.leases() == []  # every job ended, so no lease is left behind
        hashes = dict(
            db.session.execute(
                select(StoredFile.storage_key, StoredFile.sha256).where(
                    StoredFile.storage_key.in_(keys)
                )
            ).all()
        )
    assert hashes == {
        key: hashlib.sha256(data).hexdigest() for key, data in zip(keys, blobs, strict=True)
    }


def test_the_consumer_refuses_immediate_mode(app, runner):
    app.config["QUEUE_URL"] = "immediate"
    from app.jobs.queue import configure_queue

    configure_queue(app)
    try:
        result = runner.invoke(args=["worker"])
        assert result.exit_code != 0
        assert "immediate" in result.output
    finally:
        app.config["QUEUE_URL"] = ""
        configure_queue(app)
