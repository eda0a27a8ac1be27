"""The periodic jobs, as one table, and when each is due.

Time is cut into slots of each job's interval (slot = Unix time // interval),
and a job is due when the last slot it completed is older than the current one:
feeds every 30 seconds, aggregation at the start of every hour, the storage
sweep once a day (UTC). The completed slot is kept in the queue's storage, so
every consumer, and ``worker --once`` from cron, agrees on it; a job that fails
is due again at the next check. A job never runs twice at once across
consumers: it runs under a Huey lock (``queue.lock_task``), and a consumer that
finds the lock taken leaves it. Every consumer checks the table each
``QUEUE_TICK_SECONDS`` (Huey's scheduler checks once a minute; ours is
shortened to keep the 30-second jobs at 30 seconds).

The reaper of lost jobs is the exception: it takes no lock, since a reaper
killed while holding one could then never be reaped; what it does is atomic
per lease (see ``leases``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from huey.api import TaskWrapper
from huey.exceptions import TaskLockedException

from app.jobs import leases
from app.jobs.queue import enqueue, job_app, queue

log = logging.getLogger(__name__)

FEEDS_EVERY = 30.0
HASH_EVERY = 30.0
AGGREGATE_EVERY = 3600.0
CLEAN_UPLOADS_EVERY = 3600.0
ABANDONED_AFTER_SECONDS = 24 * 3600.0
# A periodic job queued this long ago and not run is taken as lost and queued again.
STALE_QUEUED = 600.0


@dataclass(frozen=True)
class Periodic:
    """A job run once per slot of ``every`` seconds (0: never); ``run`` returns a log line."""

    name: str
    every: Callable[[Mapping[str, Any]], float]  # from the app's config
    run: Callable[[], str | None]
    locked: bool = True


def refresh_feeds() -> str | None:
    """Rebuild feeds and announce changed ones: scheduled episodes going live, failed pings."""
    from app.cli import feed_urls
    from app.services.announce import announce_changed_feeds

    with feed_urls():
        announced = announce_changed_feeds()
    return "\n".join(f"announced {slug}" for slug in announced) or None


def hash_uploads() -> str | None:
    """Hash audio uploaded straight to S3, which its request left unhashed to stay fast."""
    from app.services.hashes import hash_pending

    hashed = hash_pending()
    return f"hashed {hashed} uploaded file(s)" if hashed else None


def aggregate_downloads() -> str | None:
    from app.services.analytics import aggregate_downloads as aggregate

    removed = aggregate()
    return f"daily download counts updated; {removed} old hits removed"


def clean_uploads() -> str | None:
    """Abort multipart uploads and delete partial files nobody finished within a day."""
    from app.services.uploads import clean_abandoned

    removed = clean_abandoned(timedelta(seconds=ABANDONED_AFTER_SECONDS))
    return f"removed {removed} abandoned upload(s)" if removed else None


def sweep_storage() -> str | None:
    """Remove objects no row names (a process killed between storing and committing).

    Each removed key is logged, since the worker's output is its log. A storage
    error stops the removal (the service logs it); the rest waits for the next run.
    """
    from app.services.storage_sweep import sweep_storage as sweep

    result = sweep(delete=True)
    if not result.removed:
        return None
    lines = [f"storage sweep removed {info.key} ({info.size} bytes)" for info in result.removed]
    count, size = len(result.removed), result.removed_bytes
    return "\n".join([*lines, f"storage sweep removed {count} orphan object(s), {size} bytes"])


def resume_imports() -> str | None:
    """Queue each unfinished import no worker holds: one whose consumer died, one paused for
    storage, one whose enqueue failed (Redis down) or that was started before the queue."""
    from app.services.imports import reserve_for_queue

    job_ids = reserve_for_queue()
    for job_id in job_ids:
        enqueue("run_import", job_id=job_id)
    return "\n".join(f"import {job_id} queued again" for job_id in job_ids) or None


def requeue_lost_jobs() -> str | None:
    requeued = leases.requeue_lost_jobs()
    return "\n".join(f"job {task_id} queued again" for task_id in requeued) or None


def _tick(config: Mapping[str, Any]) -> float:
    return float(config["QUEUE_TICK_SECONDS"])


SCHEDULE: tuple[Periodic, ...] = (
    Periodic("requeue_lost_jobs", _tick, requeue_lost_jobs, locked=False),
    Periodic("resume_imports", _tick, resume_imports),
    Periodic("refresh_feeds", lambda _: FEEDS_EVERY, refresh_feeds),
    Periodic("hash_uploads", lambda _: HASH_EVERY, hash_uploads),
    Periodic("aggregate_downloads", lambda _: AGGREGATE_EVERY, aggregate_downloads),
    Periodic("clean_uploads", lambda _: CLEAN_UPLOADS_EVERY, clean_uploads),
    Periodic("sweep_storage", lambda config: config["STORAGE_SWEEP_EVERY"], sweep_storage),
)


def slot(every: float, now: datetime) -> int:
    """The number of the interval ``now`` falls in; the same on every machine."""
    return int(now.timestamp() // every)


def is_due(periodic: Periodic, config: Mapping[str, Any], now: datetime) -> bool:
    every = periodic.every(config)
    if every <= 0:
        return False
    done = queue.get(_done_key(periodic), peek=True)
    return done is None or done < slot(every, now)


def run_if_due(periodic: Periodic, now: datetime | None = None) -> str | None:
    """Run the job if it is due and no consumer runs it now; record its slot when it succeeds.

    Returns its log line. An error propagates (the slot stays open, so the next
    check runs it again).
    """
    now = now or datetime.now(UTC)
    config = job_app().config
    if not periodic.locked:
        return _run(periodic, config, now)
    lock = queue.lock_task(f"periodic:{periodic.name}")
    try:
        with lock:
            leases.running.holds_lock(lock._key)
            return _run(periodic, config, now)
    except TaskLockedException:
        log.info("%s is running on another consumer", periodic.name)
        return None


def _run(periodic: Periodic, config: Mapping[str, Any], now: datetime) -> str | None:
    if not is_due(periodic, config, now):
        return None
    line = periodic.run()
    queue.put(_done_key(periodic), slot(periodic.every(config), now))
    return line


def _done_key(periodic: Periodic) -> str:
    return f"periodic-done:{periodic.name}"


def should_enqueue(periodic: Periodic, config: Mapping[str, Any], now: datetime) -> bool:
    """Whether a consumer's scheduler should queue the job now: it is due, and no instance
    is waiting in the queue for this slot or, for less than ``STALE_QUEUED``, an earlier one.

    Busy workers would otherwise find one instance per check and consumer piled up.
    The note is a plain write, so two consumers checking at the same instant may
    both queue it; the second finds the slot done, or the lock taken.
    """
    if not is_due(periodic, config, now):
        return False
    current = slot(periodic.every(config), now)
    queued = queue.get(_queued_key(periodic), peek=True)
    if queued is not None:
        queued_slot, queued_at = queued
        if queued_slot == current:
            return False
        waiting = now.timestamp() - queued_at < STALE_QUEUED
        done = queue.get(_done_key(periodic), peek=True)
        if waiting and (done is None or done < queued_slot):
            return False
    queue.put(_queued_key(periodic), (current, now.timestamp()))
    return True


def _queued_key(periodic: Periodic) -> str:
    return f"periodic-queued:{periodic.name}"


def _declare(periodic: Periodic) -> None:
    """A Huey periodic task that the scheduler enqueues on each check while it is due."""

    def due(timestamp: datetime) -> bool:
        app = queue.app
        if app is None:
            return False
        try:
            return should_enqueue(periodic, app.config, timestamp.replace(tzinfo=UTC))
        except Exception:  # the storage is away: Huey's scheduler must go on
            log.exception("could not check whether %s is due", periodic.name)
            return False

    def run() -> str | None:
        from app.extensions import db

        with job_app().app_context():
            try:
                line = run_if_due(periodic)
            finally:
                db.session.remove()
        if line:
            log.info("%s", line)
        return line

    run.__name__ = periodic.name
    run.__qualname__ = periodic.name
    PERIODIC_TASKS[periodic.name] = queue.periodic_task(due, name=f"periodic.{periodic.name}")(run)


PERIODIC_TASKS: dict[str, TaskWrapper] = {}


for _periodic in SCHEDULE:
    _declare(_periodic)
