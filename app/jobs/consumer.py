"""Running jobs: ``flask --app app worker`` (a Huey consumer), ``--once``, and the demo's thread.

A consumer runs ``QUEUE_WORKERS`` worker threads and Huey's scheduler, which
queues the periodic jobs that are due (``schedule``) every
``QUEUE_TICK_SECONDS``. Several consumers, on one machine or many, share one
Redis queue. SIGTERM, which platforms send to stop a process, lets the running
jobs finish (a platform that kills it before they do leaves their leases to
expire, see ``leases``); SIGINT stops at once and puts the running jobs back.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from huey.consumer import Consumer, Scheduler

from app.jobs import leases, schedule
from app.jobs.queue import queue

log = logging.getLogger(__name__)


def _consumer_class(app: Flask, *, signals: bool = True) -> type[Consumer]:
    """Huey's consumer, with its scheduler checking periodic jobs every tick, not every minute."""
    tick = app.config["QUEUE_TICK_SECONDS"]
    scheduler = type("TickScheduler", (Scheduler,), {"periodic_task_seconds": tick})
    attributes: dict[str, object] = {"scheduler_class": scheduler}
    if not signals:  # a thread beside a server that owns the process's signals
        attributes["_set_signal_handlers"] = lambda self: None
    return type("PodhostConsumer", (Consumer,), attributes)


def make_consumer(app: Flask, workers: int | None = None, *, signals: bool = True) -> Consumer:
    """A consumer for ``app``'s queue; refuses immediate mode, where nothing is queued."""
    if queue.immediate:
        raise click.ClickException("QUEUE_URL=immediate runs jobs where they are queued")
    leases.set_lease_seconds(app.config["QUEUE_LEASE_SECONDS"])
    consumer_class = _consumer_class(app, signals=signals)
    return consumer_class(
        queue,
        workers=workers or app.config["QUEUE_WORKERS"],
        periodic=True,
        worker_type="thread",
        # Ending on SIGTERM after the running jobs, as platforms stop a process with it.
        graceful_signal="TERM",
        scheduler_interval=1,
        max_delay=1.0,  # polling an empty queue (see leases.LeasingRedisStorage)
    )


def start_in_process(app: Flask) -> Consumer:
    """Start a consumer in threads of this process (``make demo``); they end with it."""
    consumer = make_consumer(app, signals=False)
    consumer.start()
    log.info("job consumer started in this process (QUEUE_IN_PROCESS=1)")
    return consumer


def run_once(now: datetime | None = None, *, periodic: bool = True) -> list[str]:
    """Run every due periodic job (unless ``periodic`` is False), then every queued job,
    until the queue is empty.

    Jobs scheduled for later (a retry's delay) stay scheduled. Returns the log
    lines of the periodic jobs.
    """
    now = now or datetime.now(UTC)
    lines = []
    for job in schedule.SCHEDULE if periodic else ():
        # Through Huey, as a consumer runs it: its lease frees the lock if this is killed.
        line = queue.execute(schedule.PERIODIC_TASKS[job.name].s())
        if line:
            lines.append(line)
    if queue.immediate:
        return lines
    for task in queue.read_schedule(now.replace(tzinfo=None)):
        queue.enqueue(task)
    while (task := queue.dequeue()) is not None:
        queue.execute(task)
    return lines


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the due periodic jobs, drain the queue, exit.")
@click.option("--workers", type=int, help="Worker threads (default QUEUE_WORKERS).")
@with_appcontext
def worker_command(once: bool, workers: int | None) -> None:
    """Run background jobs: a Huey consumer for the queue QUEUE_URL names."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        leases.set_lease_seconds(app.config["QUEUE_LEASE_SECONDS"])
        for line in run_once():
            click.echo(line)
        return
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s",
    )
    # The consumer's threads push their own app contexts; this one must not hold a session.
    make_consumer(app, workers).run()
