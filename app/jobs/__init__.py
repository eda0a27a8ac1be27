"""Background jobs on a task queue (Huey): the one place work leaves the request.

Using it from another feature::

    from app.jobs import enqueue

    db.session.commit()  # first the rows the job reads
    enqueue("process_audio", episode_id=episode.id)

or, to declare a new job, in ``app/jobs/tasks.py``::

    @job(retries=3, retry_delay=60)
    def process_audio(episode_id: int) -> None:
        process_episode_audio(episode_id)

Rules every job keeps, because a job may run twice (a consumer killed mid-job
is retried by another, see ``leases``): it is idempotent, takes ids rather than
objects, reads its rows afresh, writes new objects under new keys and swaps
them in with one commit. A crash then leaves at most an orphan object, which
the storage sweep removes.

``flask --app app worker`` runs a consumer; ``--once`` runs what is due and
exits. Periodic jobs are listed in ``schedule``.
"""

from __future__ import annotations

import threading

from flask import Flask

from app import metrics
from app.jobs.queue import TASKS, QueueUnavailable, configure_queue, enqueue, job, queue

__all__ = ["TASKS", "QueueUnavailable", "enqueue", "init_jobs", "job", "queue"]


def init_jobs(app: Flask) -> None:
    """Give the queue the app's storage and declare the jobs; with ``QUEUE_IN_PROCESS``
    (``make demo``) the first request starts a consumer in threads of this process.

    The first request, not ``create_app``: a command such as ``flask db upgrade``
    run with the variable set must not start running jobs mid-migration.
    """
    from app.jobs import leases, schedule, tasks  # noqa: F401 (declare the tasks and hooks)

    configure_queue(app)
    metrics.register_queue_length(queue.pending_count)
    if app.config["QUEUE_IN_PROCESS"]:
        app.before_request(_start_consumer_once)


_start_lock = threading.Lock()


def _start_consumer_once() -> None:
    from flask import current_app

    from app.jobs.consumer import start_in_process

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _start_lock:
        if "podhost.consumer" not in app.extensions:
            app.extensions["podhost.consumer"] = start_in_process(app)
