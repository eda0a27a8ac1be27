"""The worker's schedule (with a made-up clock, no sleeping) and its jobs on both databases."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import DailyDownloads
from app.worker import (
    AGGREGATE_EVERY,
    FEEDS_EVERY,
    SWEEP_EVERY,
    Job,
    default_jobs,
    run_due,
    seconds_to_next,
)
from tests.app.conftest import stored_keys
from tests.app.services.test_analytics import episode_id, hit  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]


def counting_jobs(calls: list[tuple[str, float]], clock: list[float]) -> list[Job]:
    def job(name: str):
        return lambda: calls.append((name, clock[0]))

    return [
        Job("feeds", FEEDS_EVERY, job("feeds")),
        Job("aggregate", AGGREGATE_EVERY, job("aggregate")),
    ]


def run_for(jobs: list[Job], seconds: float, clock: list[float]) -> None:
    """Drive the loop as the worker does: run what is due, then jump to the next time."""
    while clock[0] <= seconds:
        run_due(jobs, clock[0])
        clock[0] += seconds_to_next(jobs, clock[0])


def test_feeds_every_30_seconds_and_aggregation_every_hour(app):
    calls: list[tuple[str, float]] = []
    clock = [1000.0]
    jobs = counting_jobs(calls, clock)
    with app.app_context():
        run_for(jobs, 1000.0 + 2 * 3600, clock)
    aggregations = [at for name, at in calls if name == "aggregate"]
    assert aggregations == [1000.0, 4600.0, 8200.0]  # at start, then hourly
    feeds = [at for name, at in calls if name == "feeds"]
    assert len(feeds) == 2 * 120 + 1
    assert {b - a for a, b in pairwise(feeds)} == {30.0}


def test_a_failing_job_is_retried_at_its_next_time_and_others_go_on(app):
    calls = []

    def broken():
        calls.append("broken")
        raise RuntimeError("database restarting")

    jobs = [Job("broken", 60, broken), Job("feeds", 30, lambda: calls.append("feeds"))]
    with app.app_context():
        for now in (0, 30, 60):
            run_due(jobs, now)
    assert calls == ["broken", "feeds", "feeds", "broken", "feeds"]


def test_job_output_is_returned_for_the_log(app):
    jobs = [Job("quiet", 10, lambda: None), Job("talks", 10, lambda: "announced testpodden")]
    with app.app_context():
        assert run_due(jobs, 0) == ["announced testpodden"]
        assert run_due(jobs, 5) == []
        assert seconds_to_next(jobs, 5) == 5


def test_worker_once_aggregates_downloads(app, runner, episode_id):  # noqa: F811
    hit(app, episode_id, at=datetime.now(UTC) - timedelta(minutes=5))
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "daily download counts updated" in result.output
    with app.app_context():
        assert [r.downloads for r in db.session.scalars(select(DailyDownloads))] == [1]


def test_the_procfile_worker_runs_every_job():
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("worker:")
    )
    assert line == "worker: flask --app app worker"
    assert [job.name for job in default_jobs(FEEDS_EVERY, AGGREGATE_EVERY)] == [
        "feeds",
        "hash uploads",
        "aggregate downloads",
        "clean uploads",
        "storage sweep",
    ]


def test_the_storage_sweep_runs_at_start_then_daily_and_can_be_turned_off(app):
    clock = [1000.0]
    sweeps: list[float] = []
    jobs = default_jobs(FEEDS_EVERY, AGGREGATE_EVERY, SWEEP_EVERY)
    for job in jobs:
        job.run = lambda name=job.name: sweeps.append(clock[0]) if name == "storage sweep" else None
    with app.app_context():
        run_for(jobs, 1000.0 + 3 * 86400, clock)
    assert sweeps == [1000.0, 87400.0, 173800.0, 260200.0]
    assert "storage sweep" not in [job.name for job in default_jobs(FEEDS_EVERY, 3600, 0)]


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
