"""Two real consumer processes on the real Redis (database 12) sharing 20 audio-processing jobs.

The jobs are made the way a producer makes them: 20 ``episodes add`` of a WAV
master, each queueing ``process_audio`` after its commit. They are held back
until both consumers are up, then released. Each job runs exactly once; and
when one consumer is killed mid-job (SIGKILL), the job's lease runs out, the
other consumer's reaper queues it again with the same id, and it completes.
All along, the feed serves only whole MP3s, and what the killed job had stored
is an orphan no row names, which the storage sweep removes. On both shapes:
SQLite and local disk, PostgreSQL and SeaweedFS. Each run has a queue name of
its own on Redis, whose keys are deleted afterwards.
"""

from __future__ import annotations

import io
import os
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import mutagen
import podcastparser
import pytest
import redis
from sqlalchemy import select

from app.extensions import db
from app.jobs import leases
from app.jobs.queue import queue
from app.models import EpisodeAudio
from app.processing import READY
from tests.app.conftest import stored_keys
from tests.conftest import missing_service
from tests.support.consumers import Consumers
from tests.support.programme import programme

REDIS_URL = os.environ.get("PODHOST_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
JOBS = 20
SECONDS = 6.0  # each master; long enough that a kill lands mid-job


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
def app_config(app_config: dict, redis_queue: str) -> dict:
    return {
        **app_config,
        "AUDIO_PROCESSING": True,
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


def held_back_jobs(app, runner, show: str, tmp_path: Path) -> tuple[list[bytes], list[str]]:
    """20 episodes uploaded as WAV masters; their queued jobs taken out to release later."""
    for number in range(JOBS):
        master = programme(tmp_path / f"master-{number}.wav", SECONDS, level=0.03, seed=number)
        result = runner.invoke(
            args=["episodes", "add", show, str(master), "--title", f"Avsnitt {number}", "--publish"]
        )
        assert result.exit_code == 0, result.output
    with app.app_context():
        messages = queue.storage.enqueued_items()
        tasks = [queue.deserialize_task(message) for message in messages]
        assert sorted(task.name for task in tasks) == ["process_audio"] * JOBS
        queue.storage.flush_queue()
    return messages, [task.id for task in tasks]


def release(app, messages: list[bytes]) -> None:
    with app.app_context():
        for message in messages:
            queue.storage.enqueue(message)


class FeedWatcher:
    """Reads the feed and every enclosure in it, again and again, while the jobs run.

    Whatever the feed lists must be a whole MP3 of the master's length: never a
    master still being processed, never a half-written file.
    """

    def __init__(self, app, show: str) -> None:
        self.client, self.show = app.test_client(), show
        self.problems: list[str] = []
        self.checked = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            self.check()
            self.stop.wait(0.5)

    def check(self) -> int:
        response = self.client.get(f"/{self.show}/feed.xml")
        items = podcastparser.parse("feed", io.BytesIO(response.data))["episodes"]
        for item in items:
            enclosure = item["enclosures"][0]
            body = self.client.get(urlsplit(enclosure["url"]).path).data
            audio = mutagen.File(io.BytesIO(body))
            length = audio.info.length if audio is not None else 0.0
            if enclosure["mime_type"] != "audio/mpeg" or abs(length - SECONDS) > 0.1:
                self.problems.append(f"{item['title']}: {enclosure['mime_type']}, {length:.2f} s")
            self.checked += 1
        return len(items)

    def __enter__(self) -> FeedWatcher:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)


def states(app) -> Counter:
    with app.app_context():
        return Counter(db.session.scalars(select(EpisodeAudio.state)))


def wait_until_finished(app, consumers, task_ids: list[str], timeout: float = 600) -> None:
    """Until every episode's audio is ready and the logs say every job finished."""
    deadline = time.monotonic() + timeout
    while True:
        finished = {t for c in consumers.started for t in c.finished()}
        if states(app) == Counter({READY: JOBS}) and set(task_ids) <= finished:
            return
        logs = "\n\n".join(c.log()[-5000:] for c in consumers.started)
        assert time.monotonic() < deadline, f"{states(app)}\n{logs}"
        time.sleep(0.5)


def none_left(app, task_ids: list[str]) -> None:
    """None of the jobs waits in the queue and no lease is left (periodic jobs the
    schedulers queued at the last tick may wait; they are not the test's)."""
    with app.app_context():
        assert [task.id for task in queue.pending() if task.id in task_ids] == []
        assert leases.leases() == []


def finished_once(consumers, task_ids: list[str]) -> Counter:
    return Counter(t for c in consumers.started for t in c.finished() if t in task_ids)


def test_two_consumers_run_each_of_20_processing_jobs_exactly_once(
    app, runner, show, consumers, tmp_path
):
    messages, task_ids = held_back_jobs(app, runner, show, tmp_path)
    first, second = consumers.start("first"), consumers.start("second")
    consumers.wait_ready(first)
    consumers.wait_ready(second)
    with FeedWatcher(app, show) as watcher:
        release(app, messages)
        wait_until_finished(app, consumers, task_ids)
    consumers.stop_all()
    assert finished_once(consumers, task_ids) == Counter(task_ids)  # each once, none left out
    assert sorted(t for c in (first, second) for t in c.started() if t in task_ids) == sorted(
        task_ids
    )  # and none began twice
    assert {t for t in first.finished() if t in task_ids}
    assert {t for t in second.finished() if t in task_ids}  # the work was shared
    assert watcher.problems == [] and watcher.checked > 0
    assert FeedWatcher(app, show).check() == JOBS
    none_left(app, task_ids)


def test_a_consumer_killed_mid_job_loses_no_job_and_serves_nothing_half_made(
    app, runner, show, consumers, tmp_path
):
    messages, task_ids = held_back_jobs(app, runner, show, tmp_path)
    keys_before = set(stored_keys(app))
    victim, survivor = consumers.start("victim"), consumers.start("survivor")
    consumers.wait_ready(victim)
    consumers.wait_ready(survivor)
    with FeedWatcher(app, show) as watcher:
        release(app, messages)
        deadline = time.monotonic() + 300
        while not [t for t in victim.running() if t in task_ids]:
            assert time.monotonic() < deadline, victim.log()
            time.sleep(0.01)
        time.sleep(0.2)  # into the job: decoding, measuring, encoding
        consumers.kill(victim)
        cut_short = [t for t in victim.running() if t in task_ids]
        assert cut_short, "the kill was to land mid-job"
        wait_until_finished(app, consumers, task_ids)
    consumers.stop_all()
    assert finished_once(consumers, task_ids) == Counter(task_ids)  # every job completed once
    started_by_survivor = Counter(t for t in survivor.started() if t in task_ids)
    for task_id in cut_short:  # ... the cut-short ones by the survivor, after the lease ran out
        assert started_by_survivor[task_id] == 1
        assert f"job {task_id} of consumer" in survivor.log()  # the reaper's warning
    assert watcher.problems == [] and watcher.checked > 0
    assert FeedWatcher(app, show).check() == JOBS
    none_left(app, task_ids)
    # What the killed job stored is named by no row; the sweep removes it and nothing else.
    with app.app_context():
        named = {row.master.storage_key for row in db.session.scalars(select(EpisodeAudio))} | {
            row.episode.audio.storage_key for row in db.session.scalars(select(EpisodeAudio))
        }
    app.config["STORAGE_SWEEP_GRACE"] = 0
    swept = runner.invoke(args=["storage", "sweep", "--delete"])
    assert swept.exit_code == 0, swept.output
    after = set(stored_keys(app))
    assert named <= after
    assert after - keys_before <= named  # no orphan of the killed job is left
