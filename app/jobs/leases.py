"""At-least-once: a job whose consumer was killed mid-job is queued again.

Huey takes a task off the queue before running it and keeps no record of it
while it runs (no acknowledgement; see coleifer/huey#418 and #844), so a
consumer killed with SIGKILL, by the OOM killer or with its machine loses the
job it was running. Its ``SIGNAL_INTERRUPTED`` covers only shutdowns the
consumer lives through. So every job taken off the queue gets a lease:

- taking the job and writing its lease are one step: a Lua script on Redis
  (RPOP and HSET), one transaction on SQLite. The lease lives in the queue's
  own storage beside Huey's locks, under ``lease:<SHA-1 of the message>``, and
  holds the serialised job, the Huey lock it holds if any, and an expiry
  ``QUEUE_LEASE_SECONDS`` ahead;
- a heartbeat thread in each consumer process pushes the expiry of its running
  jobs ahead every third of that, so a job may run for hours;
- the lease is deleted when Huey's ``execute`` returns: the job is done, failed
  for good, or already back in the queue or schedule for Huey's retry;
- ``requeue_lost_jobs`` (a periodic job on every consumer) takes each lease
  that has expired, i.e. whose consumer stopped beating, puts its job back on
  the queue (same task id) and frees the Huey lock it held. Taking a lease is
  an atomic pop, so of two consumers looking at once only one queues it again.

A job may therefore run twice (its consumer was only stalled past the lease,
or died after finishing but before deleting its lease), never zero times: jobs
are idempotent. A job interrupted by a consumer's hard shutdown (SIGINT) is put
back at once. In immediate mode nothing is leased: the job runs in its caller.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, replace

from huey import signals
from huey.api import Task
from huey.constants import EmptyData
from huey.storage import RedisStorage, SqliteStorage

from app.jobs.queue import queue

log = logging.getLogger(__name__)

PREFIX = "lease:"

# KEYS: the queue list, the hash Huey keeps locks and data in. ARGV: the lease key's
# prefix, the lease's header (expiry, consumer, no lock). Returns the message or nil.
TAKE_LUA = """\
local message = redis.call('RPOP', KEYS[1])
if not message then return nil end
redis.call('HSET', KEYS[2], ARGV[1] .. redis.sha1hex(message), ARGV[2] .. message)
return message"""


@dataclass(frozen=True)
class Lease:
    message: bytes  # the serialised job, as it was on the queue
    lock: str  # the storage key of the Huey lock the job holds, or ""
    until: float  # wall-clock time (shared between machines)
    consumer: str  # host:pid, for the log

    @property
    def key(self) -> str:
        return lease_key(self.message)

    def encode(self) -> bytes:
        return header(self.until, self.consumer, self.lock) + self.message

    @classmethod
    def decode(cls, value: bytes) -> Lease:
        until, consumer, lock, message = bytes(value).split(b"\n", 3)
        return cls(message, lock.decode(), float(until), consumer.decode())

    def task_id(self) -> str:
        """The job's id, for the log; a message no task of this code can read has none."""
        try:
            return queue.deserialize_task(self.message).id
        except Exception:
            return "?"


def lease_key(message: bytes) -> str:
    """SHA-1 because Redis's Lua has ``redis.sha1hex``: the key is a name, not a secret."""
    return PREFIX + hashlib.sha1(message).hexdigest()


def header(until: float, consumer: str, lock: str = "") -> bytes:
    return f"{until:.3f}\n{consumer}\n{lock}\n".encode()


def consumer_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class LeasingRedisStorage(RedisStorage):
    """Huey's Redis storage whose ``dequeue`` writes the job's lease in the same step.

    Lua scripts cannot block, so the queue is polled (Huey's worker backs off
    up to the consumer's ``max_delay`` while it is empty) instead of BRPOP.
    """

    def __init__(self, name: str, url: str) -> None:
        super().__init__(name, url=url, blocking=False)
        self._take = self.conn.register_script(TAKE_LUA)

    def dequeue(self) -> bytes | None:
        new = header(time.time() + running.seconds, consumer_name())
        return self._take(keys=[self.queue_key, self.result_key], args=[PREFIX, new])


class LeasingSqliteStorage(SqliteStorage):
    """Huey's SQLite storage whose ``dequeue`` writes the job's lease in the same transaction."""

    def dequeue(self) -> bytes | None:
        if not self.sql("select 1 from task where queue = ? limit 1", (self.name,), results=True):
            return None
        with self.db(commit=True) as cursor:
            cursor.execute(
                "select id, data from task where queue = ? order by priority desc, id limit 1",
                (self.name,),
            )
            row = cursor.fetchone()
            if row is None:
                return None
            cursor.execute("delete from task where id = ?", (row[0],))
            message = bytes(row[1])
            lease = Lease(message, "", time.time() + running.seconds, consumer_name())
            cursor.execute(
                "insert or replace into kv (queue, key, value) values (?, ?, ?)",
                (self.name, lease.key, self.to_blob(lease.encode())),
            )
            return message


class _Running:
    """This process's running jobs (by lease key) and the thread that keeps them alive."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.leases: dict[str, Lease] = {}
        self.current = threading.local()  # the lease key of the job this thread runs
        self.pid = 0
        self.seconds = 60.0
        self.wake = threading.Event()  # a new lease time takes effect at once

    def adopt(self, message: bytes) -> None:
        """The storage just took ``message`` off the queue for this thread, with its lease."""
        lease = Lease(message, "", time.time() + self.seconds, consumer_name())
        with self.lock:
            self.leases[lease.key] = lease
        self.current.key = lease.key
        self._ensure_heartbeat()

    def begin(self, task: Task) -> None:
        """A job run without the queue (``worker --once`` runs the periodic ones): lease it."""
        if getattr(self.current, "key", None):
            return
        lease = Lease(queue.serialize_task(task), "", time.time() + self.seconds, consumer_name())
        with self.lock:
            self.leases[lease.key] = lease
            _write(lease)
        self.current.key = lease.key
        self._ensure_heartbeat()

    def holds_lock(self, lock_key: str) -> None:
        """The running job took a Huey lock: a reaper frees it if the job is killed."""
        key = getattr(self.current, "key", None)
        with self.lock:
            lease = self.leases.get(key) if key else None
            if lease is not None:
                self.leases[key] = lease = replace(lease, lock=lock_key)
                _write(lease)

    def end(self, requeue: bool = False) -> None:
        """The job this thread ran has ended: drop its lease (after queueing it again)."""
        key, self.current.key = getattr(self.current, "key", None), None
        with self.lock:
            lease = self.leases.pop(key, None) if key else None
            if lease is None:
                return
            if requeue:
                queue.storage.enqueue(lease.message)
            queue.storage.delete_data(key)

    def renew(self) -> None:
        with self.lock:
            for key, lease in list(self.leases.items()):
                self.leases[key] = lease = replace(lease, until=time.time() + self.seconds)
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


def _write(lease: Lease) -> None:
    queue.storage.put_data(lease.key, lease.encode())


def set_lease_seconds(seconds: float) -> None:
    running.seconds = seconds
    running.wake.set()


@queue.signal(signals.SIGNAL_INTERRUPTED)
def _put_back_interrupted(signal: str, task: Task, *args: object, **kwargs: object) -> None:
    """A hard shutdown (SIGINT) stopped the job: queue it again now, not after the lease."""
    if not queue.immediate:
        running.end(requeue=True)


def leases() -> list[Lease]:
    """Every lease in the queue's storage (tests, and the reaper)."""
    items = queue.storage.result_items().items()
    return [Lease.decode(value) for key, value in items if key.startswith(PREFIX)]


def requeue_lost_jobs(now: float | None = None) -> list[str]:
    """Queue again every job whose lease has expired; free the locks they held.

    Returns the ids of the jobs put back. A lease renewed between the listing
    and the pop is put back as it was, and its job left alone.
    """
    now = time.time() if now is None else now
    requeued = []
    for lease in leases():
        if lease.until > now:
            continue
        raw = queue.storage.pop_data(lease.key)
        if raw is EmptyData:
            continue  # another consumer's reaper took it, or the job just ended
        taken = Lease.decode(raw)
        if taken.until > now:
            queue.storage.put_if_empty(taken.key, raw)
            continue
        queue.storage.enqueue(taken.message)
        if taken.lock:
            queue.storage.delete_data(taken.lock)
        task_id = taken.task_id()
        requeued.append(task_id)
        log.warning(
            "job %s of consumer %s stopped without ending (lease expired); queued again",
            task_id,
            taken.consumer,
        )
    return requeued
