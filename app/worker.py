"""The ``worker`` process: recurring jobs on a simple schedule, one process for all.

Every 30 seconds it refreshes feeds and announces changed ones (a scheduled
episode going live, and retries of pings that failed after a commit), and
hashes audio the browser uploaded straight to S3 (app/services/hashes.py); every
hour it turns raw download hits into daily counts and drops hits past their
retention, and removes studio uploads abandoned for a day; once a day it
removes orphan objects from storage (``STORAGE_SWEEP_EVERY``). The jobs are
idempotent, so a second worker or a restart costs a repeat, never a wrong
number. Times come from an injected clock, so the
schedule is tested without sleeping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import with_appcontext

from app import metrics
from app.extensions import db

log = logging.getLogger(__name__)

FEEDS_EVERY = 30.0
AGGREGATE_EVERY = 3600.0
CLEAN_UPLOADS_EVERY = 3600.0
HASH_EVERY = 30.0
ABANDONED_AFTER_SECONDS = 24 * 3600.0
SWEEP_EVERY = 24 * 3600.0


@dataclass
class Job:
    """A task run every ``every`` seconds; the first run is at the worker's start."""

    name: str
    every: float
    run: Callable[[], str | None]  # returns a line to print, or None
    next_at: float = 0.0


def run_due(jobs: list[Job], now: float) -> list[str]:
    """Run the jobs whose time has come and schedule their next run; returns their output.

    A job that fails is logged and tried again at its next time, so one bad run
    (a database restart, a hub that is down) never stops the worker.
    """
    lines = []
    for job in jobs:
        if now < job.next_at:
            continue
        job.next_at = now + job.every
        try:
            line = job.run()
        except Exception:
            log.exception("worker job %s failed", job.name)
            db.session.rollback()
            metrics.job_failed(job.name)
            continue
        metrics.job_succeeded(job.name)
        if line:
            lines.append(line)
    return lines


def seconds_to_next(jobs: list[Job], now: float) -> float:
    """How long to sleep: until the earliest job is due."""
    return max(0.0, min(job.next_at for job in jobs) - now)


def refresh_feeds() -> str | None:
    from app.cli import feed_urls
    from app.services.announce import announce_changed_feeds

    with feed_urls():
        announced = announce_changed_feeds()
    return "\n".join(f"announced {slug}" for slug in announced) or None


def aggregate_downloads() -> str | None:
    from app.services.analytics import aggregate_downloads as aggregate

    removed = aggregate()
    return f"daily download counts updated; {removed} old hits removed"


def clean_uploads() -> str | None:
    """Abort multipart uploads and delete partial files nobody finished within a day."""
    from datetime import timedelta

    from app.services.uploads import clean_abandoned

    removed = clean_abandoned(timedelta(seconds=ABANDONED_AFTER_SECONDS))
    return f"removed {removed} abandoned upload(s)" if removed else None


def hash_uploads() -> str | None:
    """Hash audio uploaded straight to S3, which its request left unhashed to stay fast."""
    from app.services.hashes import hash_pending

    hashed = hash_pending()
    return f"hashed {hashed} uploaded file(s)" if hashed else None


def sweep_storage() -> str | None:
    """Remove objects no row names (a process killed between storing and committing).

    Prints each removed key, since the worker's output is its log. A storage
    error stops the removal (the service logs it as a warning); the rest waits
    for the next run, which has nothing left to repeat.
    """
    from app.services.storage_sweep import sweep_storage as sweep

    result = sweep(delete=True)
    if not result.removed:
        return None
    lines = [f"storage sweep removed {info.key} ({info.size} bytes)" for info in result.removed]
    count, size = len(result.removed), result.removed_bytes
    return "\n".join([*lines, f"storage sweep removed {count} orphan object(s), {size} bytes"])


def default_jobs(
    feeds_every: float, aggregate_every: float, sweep_every: float = SWEEP_EVERY
) -> list[Job]:
    """Imports are not here: one can download for an hour, so they have their own process.

    A ``sweep_every`` of 0 leaves the storage sweep out.
    """
    jobs = [
        Job("feeds", feeds_every, refresh_feeds),
        Job("hash uploads", HASH_EVERY, hash_uploads),
        Job("aggregate downloads", aggregate_every, aggregate_downloads),
        Job("clean uploads", CLEAN_UPLOADS_EVERY, clean_uploads),
    ]
    if sweep_every > 0:
        jobs.append(Job("storage sweep", sweep_every, sweep_storage))
    return jobs


@click.command("worker")
@click.option("--feeds-every", type=float, default=FEEDS_EVERY, show_default=True)
@click.option("--aggregate-every", type=float, default=AGGREGATE_EVERY, show_default=True)
@click.option("--once", is_flag=True, help="Run every job once and exit (cron, tests).")
@with_appcontext
def worker_command(feeds_every: float, aggregate_every: float, once: bool) -> None:
    """Refresh and announce feeds, hash uploads, aggregate counts, clean uploads and storage."""
    jobs = default_jobs(feeds_every, aggregate_every, current_app.config["STORAGE_SWEEP_EVERY"])
    while True:
        for line in run_due(jobs, time.monotonic()):
            click.echo(line)
        db.session.remove()  # no connection or stale objects held while sleeping
        if once:
            return
        time.sleep(seconds_to_next(jobs, time.monotonic()))
