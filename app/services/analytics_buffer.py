"""Hits written in batches: one INSERT and one commit for many requests.

A commit per request would cost /media most of its throughput (each one
waits for the disk). Instead each process keeps the hits of the last
fraction of a second and writes them in one multi-row INSERT: when the batch
is full, when a timer fires, before this process aggregates, and when the
process exits. Hits from several processes never collide, since each row is
its own insert. A crash of the process (not a graceful stop) can lose at
most the hits of that interval; ``ANALYTICS_BUFFER_SECONDS=0`` writes every
hit in its own request instead.
"""

from __future__ import annotations

import atexit
import logging
import threading
from typing import Any

from flask import Flask, current_app
from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models import DownloadHit

log = logging.getLogger(__name__)

BATCH = 500


class HitBuffer:
    """The unwritten hits of one app in one process."""

    def __init__(self, app: Flask, seconds: float) -> None:
        self._app = app
        self._seconds = seconds
        self._rows: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        # Held while a batch is written, so the exit hook waits for the timer's batch
        # instead of finding the list empty and letting the process end mid-INSERT.
        self._writing = threading.Lock()
        self._timer: threading.Timer | None = None
        self._exit_hook = False

    def add(self, row: dict[str, Any]) -> None:
        """Queue one hit; the request that fills the batch writes it."""
        with self._lock:
            self._rows.append(row)
            full = len(self._rows) >= BATCH
            if not full:
                self._schedule()
        if full:
            self.flush()

    def _schedule(self) -> None:
        """One timer at a time, started only when there is something to write."""
        if not self._exit_hook:
            atexit.register(self.flush)
            self._exit_hook = True
        if self._timer is None:
            self._timer = threading.Timer(self._seconds, self._on_timer)
            self._timer.daemon = True
            self._timer.start()

    def _on_timer(self) -> None:
        with self._lock:
            self._timer = None
        self.flush()

    def flush(self) -> int:
        """Write everything queued in one transaction; on failure keep it for the next try."""
        with self._writing:
            return self._write()

    def _write(self) -> int:
        with self._lock:
            rows, self._rows = self._rows, []
        if not rows:
            return 0
        with self._app.app_context():
            try:
                db.session.execute(insert(DownloadHit), rows)
                db.session.commit()
            except SQLAlchemyError:
                db.session.rollback()
                log.exception("could not write %d download hits; will retry", len(rows))
                with self._lock:
                    self._rows[:0] = rows
                    self._schedule()
                return 0
        return len(rows)


def hit_buffer() -> HitBuffer:
    """This app's buffer in this process, made on first use."""
    buffer = current_app.extensions.get("hit_buffer")
    if buffer is None:
        buffer = current_app.extensions.setdefault(
            "hit_buffer",
            HitBuffer(
                current_app._get_current_object(), current_app.config["ANALYTICS_BUFFER_SECONDS"]
            ),
        )
    return buffer


def flush_hits() -> int:
    """Write this process's queued hits now, so what follows reads them."""
    buffer = current_app.extensions.get("hit_buffer")
    return buffer.flush() if buffer is not None else 0
