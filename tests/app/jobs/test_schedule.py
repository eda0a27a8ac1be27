"""The periodic jobs: their table, when each is due (a made-up clock, no sleeping), the lock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from app.jobs.queue import queue
from app.jobs.schedule import (
    AGGREGATE_EVERY,
    FEEDS_EVERY,
    SCHEDULE,
    Periodic,
    is_due,
    run_if_due,
)

ROOT = Path(__file__).resolve().parents[3]
START = datetime(2026, 12, 1, 10, 0, 10, tzinfo=UTC)


def counting(name: str, every: float, calls: list, clock: list[datetime]) -> Periodic:
    return Periodic(name, lambda _config: every, lambda: calls.append((name, clock[0])) and None)


def run_for(jobs: list[Periodic], seconds: float, clock: list[datetime], tick: float = 10) -> None:
    """Check the table every ``tick`` seconds, as each consumer's scheduler does."""
    end = clock[0] + timedelta(seconds=seconds)
    while clock[0] <= end:
        for periodic in jobs:
            run_if_due(periodic, clock[0])
        clock[0] += timedelta(seconds=tick)


def test_feeds_every_30_seconds_and_aggregation_at_each_hour(app):
    calls: list = []
    clock = [START]
    jobs = [
        counting("feeds", FEEDS_EVERY, calls, clock),
        counting("aggregate", AGGREGATE_EVERY, calls, clock),
    ]
    with app.app_context():
        run_for(jobs, 2 * 3600, clock)
    aggregations = [at for name, at in calls if name == "aggregate"]
    hour = START.replace(minute=0, second=0)
    assert aggregations == [START, hour + timedelta(hours=1), hour + timedelta(hours=2)]
    feeds = [at for name, at in calls if name == "feeds"]
    assert len(feeds) == 1 + 2 * 120  # at the first check, then at each half minute
    assert {(b - a).total_seconds() for a, b in pairwise(feeds[1:])} == {30.0}


def test_a_failing_job_stays_due_and_the_others_go_on(app):
    calls = []

    def broken():
        calls.append("broken")
        raise RuntimeError("database restarting")

    failing = Periodic("broken", lambda _: 60, broken)
    feeds = Periodic("feeds", lambda _: 30, lambda: calls.append("feeds") and None)
    with app.app_context():
        for second in (0, 30, 60):
            now = START + timedelta(seconds=second)
            with pytest.raises(RuntimeError):
                run_if_due(failing, now)
            run_if_due(feeds, now)
        assert is_due(failing, app.config, now)
    assert calls == ["broken", "feeds", "broken", "feeds", "broken", "feeds"]


def test_a_job_runs_once_per_slot_and_returns_its_line_for_the_log(app):
    talks = Periodic("talks", lambda _: 10, lambda: "announced testpodden")
    with app.app_context():
        assert run_if_due(talks, START) == "announced testpodden"
        assert run_if_due(talks, START + timedelta(seconds=5)) is None  # same slot: done
        assert not is_due(talks, app.config, START + timedelta(seconds=5))
        assert is_due(talks, app.config, START + timedelta(seconds=10))


def test_a_job_another_consumer_runs_is_left_to_it(app):
    """The Huey lock is in the queue's storage, which every consumer shares."""
    calls = []
    sweep = Periodic("sweep", lambda _: 60, lambda: calls.append("sweep") and None)
    with app.app_context():
        other = queue.lock_task("periodic:sweep")
        with other:  # held by "another consumer"
            assert run_if_due(sweep, START) is None
            assert calls == []
            assert is_due(sweep, app.config, START)
        run_if_due(sweep, START)
    assert calls == ["sweep"]


def test_the_storage_sweep_is_daily_and_can_be_turned_off(app):
    sweep = next(p for p in SCHEDULE if p.name == "sweep_storage")
    with app.app_context():
        assert sweep.every(app.config) == 24 * 3600
        assert is_due(sweep, app.config, START)
        app.config["STORAGE_SWEEP_EVERY"] = 0
        assert not is_due(sweep, app.config, START)


def test_the_table_keeps_the_old_intervals(app):
    assert {p.name: p.every(app.config) for p in SCHEDULE} == {
        "requeue_lost_jobs": 30,  # QUEUE_TICK_SECONDS
        "resume_imports": 30,
        "refresh_feeds": 30,
        "hash_uploads": 30,
        "aggregate_downloads": 3600,
        "clean_uploads": 3600,
        "sweep_storage": 24 * 3600,
    }
    assert [p.name for p in SCHEDULE if not p.locked] == ["requeue_lost_jobs"]


def test_the_procfile_runs_one_consumer_and_no_importer():
    lines = (ROOT / "Procfile").read_text().splitlines()
    assert "worker: flask --app app worker" in lines
    assert not [line for line in lines if line.startswith("importer:")]
