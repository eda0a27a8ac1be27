"""The one Huey instance, its storage chosen by ``QUEUE_URL``, and the ``job`` decorator.

Huey's decorators need the instance when a module is imported, before any app
exists, so ``queue`` is made here with a placeholder in-memory storage and
``configure_queue`` gives it the app's storage in ``create_app``:

- no ``QUEUE_URL``: SQLite, a file in the instance folder (``jobs.sqlite3``), so
  the embedded shape needs no other server;
- ``QUEUE_URL=redis://host:port/db``: Redis, shared by consumers on several
  machines;
- ``QUEUE_URL=immediate``: every job runs at once in the process that enqueues
  it (tests whose subject is the job's content).

A job runs in an app context of its own, as a request would: in a consumer that
is the consumer's app; in immediate mode the app that enqueued it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.api import TaskWrapper
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from huey.utils import normalize_time

from app import metrics

log = logging.getLogger(__name__)

IMMEDIATE = "immediate"
SQLITE_FILE = "jobs.sqlite3"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class QueueUnavailable(Exception):
    """The queue's storage (Redis, or the SQLite file) refused a job."""


class AppQueue(Huey):
    """Huey whose storage is set from the app's config after the tasks are declared."""

    def __init__(self) -> None:
        super().__init__("podhost", results=False, immediate=True, utc=True)
        self.app: Flask | None = None
        self.url = IMMEDIATE

    def get_immediate_storage(self) -> MemoryStorage:
        return MemoryStorage(self.name)

    @property  # type: ignore[override]
    def storage(self) -> Any:
        """In immediate mode each app keeps its own memory (locks, periodic slots): tests
        make many apps in one process."""
        if self._immediate and has_app_context():
            extensions = current_app.extensions
            if "podhost.jobs" not in extensions:
                extensions["podhost.jobs"] = self.get_immediate_storage()
            return extensions["podhost.jobs"]
        return self._storage

    @storage.setter
    def storage(self, value: Any) -> None:
        self._storage = value

    def dequeue(self) -> Any:
        """Take the next job; the storage wrote its lease in the same step (``leases``)."""
        from app.jobs.leases import running

        data = self.storage.dequeue()
        if data is None:
            return None
        running.adopt(data)
        try:
            return self.deserialize_task(data)
        except Exception:
            running.end()  # a message no task of this code reads: dropped, and logged by Huey
            raise

    def execute(self, task: Any, timestamp: Any = None) -> Any:
        """Huey's execute between taking and dropping the job's lease.

        The lease goes only after Huey has finished with the job, retries
        included: a failed job is back in the queue or schedule by then.
        """
        if self.immediate:
            return super().execute(task, timestamp)
        from app.jobs.leases import running

        running.begin(task)
        try:
            return super().execute(task, timestamp)
        finally:
            running.end()


queue = AppQueue()
# Short names (``enqueue("hash_file", key=...)``) -> task, filled by ``job``.
TASKS: dict[str, TaskWrapper] = {}
_configure_lock = threading.Lock()


def configure_queue(app: Flask) -> None:
    """Point the queue at the storage ``QUEUE_URL`` names, with its name, for ``app``.

    Consumers run the jobs in ``app``. Configuring again for the same storage
    keeps the connection (tests make many apps in one process).
    """
    url = app.config["QUEUE_URL"]
    name = app.config["QUEUE_NAME"]
    with _configure_lock:
        queue.app = app
        if url == IMMEDIATE:
            if not queue.immediate or queue.name != name:
                queue.name, queue.url = name, url
                queue.immediate = True
                queue.storage = queue.get_immediate_storage()
            return
        target = url or str(Path(app.instance_path) / SQLITE_FILE)
        if not queue.immediate and queue.url == target and queue.name == name:
            return
        queue.name, queue.url = name, target
        queue._immediate = False
        queue.storage = _storage(name, target)


def _storage(name: str, target: str) -> RedisStorage | SqliteStorage:
    """Redis for a ``redis://`` URL (config.py refuses other schemes), else the SQLite file;
    both take a job and write its lease in one step (``leases``)."""
    from app.jobs.leases import LeasingRedisStorage, LeasingSqliteStorage

    if target.startswith(REDIS_SCHEMES):
        return LeasingRedisStorage(name, url=target)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    return LeasingSqliteStorage(name, filename=target)


def job_app() -> Flask:
    """The app a job runs in: the one that enqueued it (immediate), else the consumer's."""
    if queue.immediate and has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if queue.app is None:
        raise RuntimeError("the job queue has no app: call create_app first")
    return queue.app


def job(
    name: str | None = None, *, retries: int = 0, retry_delay: float = 0, **options: Any
) -> Callable[[Callable[..., Any]], TaskWrapper]:
    """Declare a background job: a Huey task that runs in its own app context.

    ``name`` is the short name ``enqueue`` knows it by (default: the function's).
    The session is removed afterwards, so a consumer thread holds no connection
    between jobs; a job commits its own work (services own their transactions).
    """

    def decorator(func: Callable[..., Any]) -> TaskWrapper:
        def in_app(*args: Any, **kwargs: Any) -> Any:
            from app.extensions import db

            label = name or func.__name__
            with job_app().app_context():
                try:
                    result = func(*args, **kwargs)
                except Exception:
                    metrics.job_failed(label)
                    raise
                finally:
                    db.session.remove()
                metrics.job_succeeded(label)
                return result

        in_app.__name__ = func.__name__
        in_app.__qualname__ = func.__qualname__
        in_app.__module__ = func.__module__
        in_app.__doc__ = func.__doc__
        task = queue.task(retries=retries, retry_delay=retry_delay, **options)(in_app)
        TASKS[name or func.__name__] = task
        return task

    return decorator


def enqueue(task_name: str, /, *, delay: float | None = None, **kwargs: Any) -> str:
    """Put the job ``task_name`` with ``kwargs`` on the queue; returns the task's id.

    Call it after the commit that made the job's rows: a consumer on another
    machine may start before this function returns. ``delay`` (seconds) runs it
    later. In immediate mode the job has run when this returns.

    :raise KeyError: for a name no ``@job`` declared.
    :raise QueueUnavailable: when the queue's storage refuses the job (Redis
        down); the caller's rows are committed, so a periodic job can pick the
        work up later.
    """
    message = TASKS[task_name].s(**kwargs)
    if delay:
        message.eta = normalize_time(delay=delay, utc=queue.utc)
    try:
        queue.enqueue(message)
    except Exception as exc:
        if queue.immediate:
            raise
        log.exception("could not enqueue %s", task_name)
        raise QueueUnavailable(str(exc)) from exc
    return message.id
