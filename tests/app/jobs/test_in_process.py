"""``make demo``'s consumer: threads of the web process, started by its first request."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import enqueue
from app.models import StoredFile
from tests.app.services.test_hashes import pending_file

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def app_config(app_config: dict) -> dict:
    return {**app_config, "QUEUE_IN_PROCESS": True, "QUEUE_TICK_SECONDS": 1.0}


def test_the_first_request_starts_a_consumer_that_runs_queued_jobs(app, client, show):
    data = os.urandom(5000)
    with app.app_context():
        pending_file(f"{show}/demo.mp3", data)
        enqueue("hash_file", key=f"{show}/demo.mp3")
    assert "podhost.consumer" not in app.extensions  # creating the app started nothing
    client.get("/")
    consumer = app.extensions["podhost.consumer"]
    try:
        deadline = time.monotonic() + 60
        with app.app_context():
            query = select(StoredFile.sha256).where(StoredFile.storage_key == f"{show}/demo.mp3")
            while db.session.scalar(query) != hashlib.sha256(data).hexdigest():
                assert time.monotonic() < deadline, "the in-process consumer ran nothing"
                time.sleep(0.2)
                db.session.rollback()  # a fresh snapshot
            client.get("/")
            assert app.extensions["podhost.consumer"] is consumer  # one consumer per process
    finally:
        consumer.stop(graceful=True)


def test_make_demo_serves_with_the_in_process_consumer():
    makefile = (ROOT / "Makefile").read_text()
    assert "QUEUE_IN_PROCESS=1 $(BIN)/flask --app app run" in makefile
