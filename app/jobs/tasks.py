"""The jobs that are enqueued one by one (the periodic ones are in ``schedule``).

Each takes ids or keys, reads its rows afresh, and may run twice without harm
(see the package docstring): the services it calls are idempotent.
"""

from __future__ import annotations

import logging
import threading

from app.jobs.queue import job

log = logging.getLogger(__name__)


@job()
def run_import(job_id: int) -> None:
    """Bring an import's media over (app/services/imports.py).

    The import row's lease stays the guard against two consumers working on one
    import at once: this job claims it, or leaves it to the consumer that holds
    it. A job whose consumer died is queued again by ``resume_imports`` when its
    row's lease has run out; a job paused for storage likewise after a minute.
    """
    from app.services import imports

    worker = f"{imports.worker_name()}:{threading.get_ident()}"[:100]
    if imports.claim_job(worker, job_id) is None:
        log.info("import %s: done or held by another worker", job_id)
        return
    imports.run_job(job_id, worker)


@job(retries=3, retry_delay=60)
def hash_file(key: str) -> None:
    """Hash one stored object now and record it on every row naming it (app/services/hashes.py).

    :raise StorageUnavailable: when storage could not read it; Huey tries three
        more times a minute apart, then the periodic ``hash_uploads`` takes over.
    """
    from app.services.errors import StorageUnavailable
    from app.services.hashes import hash_key

    if not hash_key(key):
        raise StorageUnavailable(f"could not read {key} to hash it")


@job(retries=2, retry_delay=60)
def process_audio(episode_id: int) -> None:
    """Measure, normalise and transcode an episode's audio (issue 16, app/processing).

    Retried twice a minute apart when it raises (storage away); the processing
    itself records a refusal (a broken file) on the episode rather than raising.
    """
    from app.processing import process_episode_audio  # type: ignore[import-not-found]

    process_episode_audio(episode_id)
