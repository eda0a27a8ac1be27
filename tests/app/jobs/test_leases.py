"""Leases: a running job is recorded, kept alive while it runs, and queued again when its
consumer stops beating. In one process against the SQLite queue; ``test_consumers`` kills
real consumers on Redis."""

from __future__ import annotations

import threading
import time

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


def test_a_running_job_holds_a_lease_that_ends_with_it(app):
    SEEN.clear()
    with app.app_context():
        message = queued_task()
        queue.execute(queue.dequeue())
        assert [lease.task_id for lease in SEEN[0]] == [message.id]
        assert SEEN[0][0].message is not None  # enough to queue it again
        assert leases.leases() == []


def test_a_job_whose_consumer_died_is_queued_again_with_its_id(app):
    with app.app_context():
        message = queued_task()
        task = queue.dequeue()  # taken by a consumer ...
        dead = Lease(task.id, queue.serialize_task(task), None, time.time() - 1, "gone:1")
        alive = Lease("other", queue.serialize_task(task), None, time.time() + 60, "here:2")
        leases._write(dead)  # ... which was killed: its lease is no longer renewed
        leases._write(alive)
        assert queue.pending_count() == 0
        assert leases.requeue_lost_jobs() == [message.id]
        assert leases.requeue_lost_jobs() == []  # a second reaper finds nothing to take
        assert [t.id for t in queue.pending()] == [message.id]
        assert [lease.task_id for lease in leases.leases()] == ["other"]
        queue.storage.delete_data(leases.PREFIX + "other")


def test_the_lock_of_a_killed_periodic_job_is_freed(app):
    with app.app_context():
        lock = queue.lock_task("periodic:sweep_storage")
        lock.acquire()
        leases._write(Lease("sweep-run", None, lock._key, time.time() - 1, "gone:1"))
        assert lock.is_locked()
        assert leases.requeue_lost_jobs() == []  # nothing to queue: its next time comes
        assert not lock.is_locked()


def test_a_long_job_keeps_its_lease_alive(app):
    """The heartbeat pushes the expiry ahead: a reaper never takes a job that is running."""
    SEEN.clear()
    leases.set_lease_seconds(0.3)
    try:
        with app.app_context():
            queued_task(pause=1.5)
            task = queue.dequeue()
            runner = threading.Thread(target=queue.execute, args=(task,))
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
