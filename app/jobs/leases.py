"""At-least-once: a job whose consumer was killed mid-job is queued again.

Huey takes a task off the queue before running it and keeps no record of it
while it runs (no acknowledgement; see coleifer/huey#418 and #844), so a
consumer killed with SIGKILL, by the OOM killer or by a lost machine, loses the
job it was running. Its ``SIGNAL_INTERRUPTED`` covers only shutdowns the
consumer lives through. So around every job:

- a Huey ``pre_execute`` hook writes a lease into the queue's own storage
  (Redis or the SQLite file): the serialised task, the lock it holds if any,
  and an expiry ``QUEUE_LEASE_SECONDS`` ahead;
- a heartbeat thread in each consumer process pushes the expiry of its running
  jobs ahead every third of that, so a job may run for hours;
- the ``post_execute`` hook deletes the lease when the job ends (done, failed
  for good, or handed to Huey's retry);
- ``requeue_lost_jobs`` (a periodic job on every consumer) takes each lease
  that has expired, i.e. whose consumer stopped beating, and puts its task back
  on the queue with the same id, and frees the Huey lock a killed periodic job
  held. Taking a lease is an atomic pop, so of two consumers looking at once
  only one queues it again.

A job may therefore run twice (its consumer was only stalled past the lease,
or died after finishing but before deleting its lease), never zero times: jobs
are idempotent. Left uncovered are the instants between Huey's dequeue and the
``pre_execute`` hook, and between the ``post_execute`` hook and Huey putting a
failed task back for its retry: a kill exactly there still loses the job.
Periodic jobs are not queued again (their next time comes); only their lock is
freed. In immediate mode nothing is leased: the job runs in its caller.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, replace

from huey.api import PeriodicTask, Task
from huey.constants import EmptyData

from app.jobs.queue import queue

log = logging.getLogger(__name__)

PREFIX = "lease:"


@dataclass(frozen=True)
class Lease:
    task_id: str
    message: bytes | None  # the serialised task; None for a periodic job
    lock: str | None  # the storage key of the Huey lock the job holds
    until: float  # wall-clock time (shared between machines)
    consumer: str  # host:pid, for the log


class _Running:
    """This process's running jobs and the thread that keeps their leases alive."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.leases: dict[str, Lease] = {}
        self.current = threading.local()
        self.pid = 0
        self.seconds = 60.0
        self.wake = threading.Event()  # a new lease time takes effect at once

    def start(self, task: Task) -> None:
        message = None if isinstance(task, PeriodicTask) else queue.serialize_task(task)
        lease = Lease(task.id, message, None, time.time() + self.seconds, _consumer_name())
        with self.lock:
            self.leases[task.id] = lease
            _write(lease)
        self.current.task_id = task.id
        self._ensure_heartbeat()

    def holds_lock(self, lock_key: str) -> None:
        """The running job took a Huey lock: a reaper frees it if the job is killed."""
        task_id = getattr(self.current, "task_id", None)
        with self.lock:
            lease = self.leases.get(task_id) if task_id else None
            if lease is not None:
                self.leases[task_id] = lease = replace(lease, lock=lock_key)
                _write(lease)

    def end(self, task: Task) -> None:
        self.current.task_id = None
        with self.lock:
            if self.leases.pop(task.id, None) is not None:
                queue.storage.delete_data(PREFIX + task.id)

    def renew(self) -> None:
        with self.lock:
            for task_id, lease in list(self.leases.items()):
                self.leases[task_id] = lease = replace(lease, until=time.time() + self.seconds)
                _write(lease)

    def _ensure_heartbeat(self) -> None:
        """One thread per process (a forked worker process starts its own)."""
        with self.lock:
            if self.pid == os.getpid():
                return
            self.pid = os.getpid()
        threading.Thread(target=self._beat, name="podhost-job-leases", daemon=True).start()

    def _beat(self) -> None:
        while True:
            self.wake.wait(self.seconds / 3)
            self.wake.clear()
            try:
                self.renew()
            except Exception:  # storage away for a moment: the next beat tries again
                log.exception("could not renew job leases")


running = _Running()


def _consumer_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _write(lease: Lease) -> None:
    queue.put(PREFIX + lease.task_id, lease)


def set_lease_seconds(seconds: float) -> None:
    running.seconds = seconds
    running.wake.set()


@queue.pre_execute(name="podhost-lease")
def _take_lease(task: Task) -> None:
    if not queue.immediate:
        running.start(task)


@queue.post_execute(name="podhost-lease")
def _drop_lease(task: Task, value: object, exception: BaseException | None) -> None:
    if not queue.immediate:
        running.end(task)


def leases() -> list[Lease]:
    """Every lease in the queue's storage (tests, and the reaper)."""
    found = []
    for key, raw in queue.storage.result_items().items():
        if key.startswith(PREFIX):
            found.append(queue.serializer.deserialize(raw))
    return found


def requeue_lost_jobs(now: float | None = None) -> list[str]:
    """Queue again every job whose lease has expired; free the locks they held.

    Returns the ids of the tasks put back. A lease renewed between the listing
    and the pop is put back as it was, and its job left alone.
    """
    now = time.time() if now is None else now
    requeued = []
    for lease in leases():
        if lease.until > now:
            continue
        raw = queue.storage.pop_data(PREFIX + lease.task_id)
        if raw is EmptyData:
            continue  # another consumer's reaper took it, or the job just ended
        taken: Lease = queue.serializer.deserialize(raw)
        if taken.until > now:
            queue.storage.put_if_empty(PREFIX + taken.task_id, raw)
            continue
        if taken.message is not None:
            queue.storage.enqueue(taken.message)
            requeued.append(taken.task_id)
        if taken.lock is not None:
            queue.storage.delete_data(taken.lock)
        log.warning(
            "job %s of consumer %s stopped without ending (lease expired)%s",
            taken.task_id,
            taken.consumer,
            "; queued again" if taken.message is not None else "; its lock freed",
        )
    return requeued
