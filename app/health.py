"""``/healthz`` (is the process alive) and ``/readyz`` (can it do its work) for load balancers.

``/healthz`` touches nothing, so a slow database never makes a supervisor restart
healthy processes. ``/readyz`` checks the database, storage and the queue in
parallel, each within ``READY_TIMEOUT`` seconds, and names the ones that failed;
a load balancer takes the node out of rotation on its 503.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

import redis
from flask import Blueprint, Flask, copy_current_request_context, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.storage import current_storage
from media.storage import StorageError

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

DEFAULT_READY_TIMEOUT = 2.0


def init_health(app: Flask) -> None:
    """Read the settings only this module uses, so app/config.py stays about the app."""
    app.config.setdefault("QUEUE_URL", os.environ.get("QUEUE_URL") or None)
    app.config.setdefault(
        "READY_TIMEOUT", float(os.environ.get("READY_TIMEOUT") or DEFAULT_READY_TIMEOUT)
    )


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers. No dependency is asked."""
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/readyz")
def readyz():
    """Readiness: 200 when database, storage and queue answer in time, else 503 naming them."""
    timeout = current_app.config.get("READY_TIMEOUT", DEFAULT_READY_TIMEOUT)
    checks = {"database": check_database, "storage": check_storage, "queue": check_queue}
    running = {name: _start(check) for name, check in checks.items()}
    deadline = time.monotonic() + timeout
    results = {name: _result(name, *run, deadline) for name, run in running.items()}
    failed = [name for name, status in results.items() if status != "ok"]
    body = {"status": "unavailable" if failed else "ok", "checks": results}
    if failed:
        body["failed"] = failed
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 503 if failed else 200


def _start(check: Callable[[], str]) -> tuple[threading.Thread, dict[str, str]]:
    """Run one check in a thread of its own, so a hung dependency delays no other check.

    A thread left hanging ends at its client's own timeout; it holds no worker.
    """
    outcome: dict[str, str] = {}
    run = copy_current_request_context(lambda: outcome.setdefault("status", check()))
    thread = threading.Thread(target=run, name="readyz", daemon=True)
    thread.start()
    return thread, outcome


def _result(name: str, thread: threading.Thread, outcome: dict[str, str], deadline: float) -> str:
    thread.join(max(0.0, deadline - time.monotonic()))
    if "status" not in outcome:
        log.warning("readiness check %s did not answer in time", name)
        return "timeout"
    return outcome["status"]


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("readiness: database unreachable")
        return "unreachable"
    finally:
        db.session.remove()  # this thread's session, not the request's
    return "ok"


def check_storage() -> str:
    try:
        current_storage().check()
    except StorageError:
        log.exception("readiness: storage unreachable")
        return "unreachable"
    return "ok"


def check_queue() -> str:
    """Redis answers a PING when ``QUEUE_URL`` names it; the embedded queue is a local file.

    The one place that knows what the queue is: adapt it when the queue changes.
    """
    url = current_app.config.get("QUEUE_URL") or ""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return "ok"
    return _ping_redis(url, current_app.config.get("READY_TIMEOUT", DEFAULT_READY_TIMEOUT))


def _ping_redis(url: str, timeout: float) -> str:
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError:
        log.exception("readiness: queue (Redis) unreachable")
        return "unreachable"
    finally:
        client.close()
    return "ok"
