"""``/healthz`` (is the process alive) and ``/readyz`` (can it do its work) for load balancers.

``/healthz`` touches nothing, so a slow database never makes a supervisor restart
healthy processes. ``/readyz`` checks the database, storage and the queue in
parallel, each within ``READY_TIMEOUT`` seconds, and names the ones that failed;
a load balancer takes the node out of rotation on its 503.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from flask import Blueprint, Flask, copy_current_request_context, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.storage import current_storage
from media.storage import StorageError

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

DEFAULT_READY_TIMEOUT = 2.0
# Shared by all requests; a check that hangs past its timeout keeps a thread busy, not a worker.
_checks_pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="readyz")


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
    futures = {
        name: _checks_pool.submit(copy_current_request_context(check))
        for name, check in checks.items()
    }
    results = {name: _result(name, future, timeout) for name, future in futures.items()}
    failed = [name for name, status in results.items() if status != "ok"]
    body = {"status": "unavailable" if failed else "ok", "checks": results}
    if failed:
        body["failed"] = failed
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 503 if failed else 200


def _result(name: str, future, timeout: float) -> str:
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        log.warning("readiness check %s took longer than %s s", name, timeout)
        return "timeout"


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
    import redis

    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError:
        log.exception("readiness: queue (Redis) unreachable")
        return "unreachable"
    finally:
        client.close()
    return "ok"
