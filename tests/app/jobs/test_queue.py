"""``enqueue``: by short name, onto the storage QUEUE_URL names; a clear error when it is away."""

from __future__ import annotations

import pytest

from app.jobs import QueueUnavailable, enqueue, job
from app.jobs.queue import SQLITE_FILE, configure_queue, queue

RAN: list[tuple[str, int]] = []


@job(name="tests_record")
def record(number: int) -> None:
    """A job of the tests: notes which app ran it."""
    from flask import current_app

    RAN.append((current_app.config["INSTANCE_PATH"], number))


@pytest.fixture
def queue_url(app):
    """Point the queue elsewhere for one test, and back afterwards."""

    def point(url: str) -> None:
        app.config["QUEUE_URL"] = url
        configure_queue(app)

    yield point
    point("")


def test_the_default_queue_is_a_file_in_the_instance_folder(app):
    with app.app_context():
        enqueue("tests_record", number=1)
        assert queue.storage.filename == f"{app.instance_path}/{SQLITE_FILE}"
        assert [task.kwargs for task in queue.pending()] == [{"number": 1}]


def test_immediate_mode_runs_the_job_at_once_in_the_callers_app(app, queue_url):
    RAN.clear()
    queue_url("immediate")
    with app.app_context():
        enqueue("tests_record", number=2)
    assert [(app.config["INSTANCE_PATH"], 2)] == RAN


def test_an_unknown_job_is_a_programming_error(app):
    with app.app_context(), pytest.raises(KeyError):
        enqueue("no_such_job", number=1)


def test_a_queue_that_is_away_is_a_clear_error(app, queue_url):
    queue_url("redis://127.0.0.1:9/0")  # nothing listens on the discard port
    with app.app_context(), pytest.raises(QueueUnavailable):
        enqueue("tests_record", number=3)
