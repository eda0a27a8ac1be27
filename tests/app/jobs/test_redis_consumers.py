"""Two real consumer processes on the real Redis (database 12) sharing 20 queued jobs.

Each job runs exactly once; and when one consumer is killed mid-job (SIGKILL),
its job's lease runs out, the other consumer's reaper queues it again with the
same id, and it completes: nothing is lost and nothing half-done is kept.
Each test run has a queue name of its own, and its keys are deleted afterwards.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections import Counter

import pytest
import redis
from sqlalchemy import select

from app.extensions import db
from app.jobs import enqueue, leases
from app.jobs.queue import queue
from app.models import StoredFile
from tests.conftest import missing_service
from tests.support.consumers import Consumers

REDIS_URL = os.environ.get("PODHOST_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
JOBS = 20
TASK = "app.jobs.tasks.hash_file"
FILE_BYTES = 48 * 1024**2  # long enough to hash that a kill lands mid-job


@pytest.fixture
def redis_queue() -> str:
    """A queue name of this test's own on Redis database 12; its keys go afterwards."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        missing_service(f"Redis not reachable at {REDIS_URL}: {exc}")
    name = f"podhost_test_{uuid.uuid4().hex[:12]}"
    yield name
    for key in client.scan_iter(match=f"huey.*{name}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def app_config(app_config: dict, backend: str, redis_queue: str) -> dict:
    if backend != "embedded":
        pytest.skip("the hashing workload writes sparse files into local storage")
    return {
        **app_config,
        "QUEUE_URL": REDIS_URL,
        "QUEUE_NAME": redis_queue,
        "QUEUE_LEASE_SECONDS": 3.0,
        "QUEUE_TICK_SECONDS": 1.0,
    }


@pytest.fixture
def consumers(app, app_config, tmp_path):
    started = Consumers(app_config, tmp_path)
    yield started
    started.stop_all()


def pending_objects(app, show: str) -> dict[str, str]:
    """``JOBS`` stored files waiting for their hash; returns key -> the right digest."""
    from app.storage import current_storage

    expected = {}
    with app.app_context():
        storage = current_storage()
        for number in range(JOBS):
            key = f"{show}/queued-{number:02}.wav"
            path = storage.path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as out:  # sparse: no disk used, still read in full
                out.write(number.to_bytes(4, "big"))
                out.truncate(FILE_BYTES)
            digest = hashlib.sha256(number.to_bytes(4, "big") + bytes(FILE_BYTES - 4))
            expected[key] = digest.hexdigest()
            db.session.add(
                StoredFile(storage_key=key, size=FILE_BYTES, sha256="", mime_type="audio/wav")
            )
        db.session.commit()
    return expected


def recorded(app, keys) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(
            select(StoredFile.storage_key, StoredFile.sha256).where(
                StoredFile.storage_key.in_(keys)
            )
        )
        return dict(rows.all())


def enqueue_all(app, keys) -> list[str]:
    with app.app_context():
        return [enqueue("hash_file", key=key) for key in keys]


def wait_until_done(app, expected: dict[str, str], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while True:
        hashes = recorded(app, expected)
        # Never half-written: a row holds nothing yet, or the right digest.
        assert all(hashes[key] in ("", expected[key]) for key in expected), hashes
        if hashes == expected:
            return
        assert time.monotonic() < deadline, (
            f"not done: {sorted(k for k in hashes if not hashes[k])}"
        )
        time.sleep(0.2)


def wait_until_finished(consumers, task_ids: list[str], timeout: float = 300) -> None:
    """Until the consumers' logs say every job finished (its row alone may be done by the
    periodic ``hash_uploads`` of either consumer)."""
    deadline = time.monotonic() + timeout
    while not set(task_ids) <= {t for c in consumers.started for t in c.finished()}:
        assert time.monotonic() < deadline, "\n\n".join(c.log() for c in consumers.started)
        time.sleep(0.2)


def none_left(app, task_ids: list[str]) -> None:
    """None of the jobs waits in the queue, and no job's lease is left (periodic jobs the
    schedulers queued at the last tick may wait; they are not the test's)."""
    with app.app_context():
        assert [task.id for task in queue.pending() if task.id in task_ids] == []
        assert leases.leases() == []


def test_two_consumers_run_each_of_20_jobs_exactly_once(app, show, consumers):
    expected = pending_objects(app, show)
    first, second = consumers.start("first"), consumers.start("second")
    consumers.wait_ready(first)
    consumers.wait_ready(second)
    task_ids = enqueue_all(app, expected)
    wait_until_done(app, expected)
    wait_until_finished(consumers, task_ids)
    consumers.stop_all()
    finished = Counter(
        task_id for c in (first, second) for task_id in c.finished() if task_id in task_ids
    )
    assert finished == Counter(task_ids)  # each once, none twice, none left out
    assert first.finished() and second.finished()  # the work was shared
    none_left(app, task_ids)


def test_a_consumer_killed_mid_job_loses_no_job(app, show, consumers):
    expected = pending_objects(app, show)
    victim, survivor = consumers.start("victim"), consumers.start("survivor")
    consumers.wait_ready(victim)
    consumers.wait_ready(survivor)
    task_ids = enqueue_all(app, expected)
    deadline = time.monotonic() + 120
    while not [t for t in victim.running() if t in task_ids]:
        assert time.monotonic() < deadline, victim.log()
        time.sleep(0.01)
    consumers.kill(victim)
    cut_short = [t for t in victim.running() if t in task_ids]
    assert cut_short, "the kill was to land mid-job"
    wait_until_done(app, expected)
    wait_until_finished(consumers, task_ids)
    consumers.stop_all()
    started_by_survivor = Counter(t for t in survivor.started() if t in task_ids)
    finished = Counter(t for c in (victim, survivor) for t in c.finished() if t in task_ids)
    assert finished == Counter(task_ids)  # every job completed once
    for task_id in cut_short:  # ... the cut-short one by the survivor, after its lease ran out
        assert started_by_survivor[task_id] == 1
    assert f"job {cut_short[0]} of consumer" in survivor.log()  # the reaper's warning
    none_left(app, task_ids)
