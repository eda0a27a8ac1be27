"""``/healthz``: 200 when the database and storage answer, 503 otherwise."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.storage import current_storage
from media.storage import StorageError

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """Check each dependency once; a load balancer takes the process out on 503."""
    checks = {"database": _check_database(), "storage": _check_storage()}
    healthy = all(status == "ok" for status in checks.values())
    response = jsonify(status="ok" if healthy else "unavailable", checks=checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("health check: database unreachable")
        db.session.rollback()
        return "unreachable"
    return "ok"


def _check_storage() -> str:
    try:
        current_storage().check()
    except StorageError:
        log.exception("health check: storage unreachable")
        return "unreachable"
    return "ok"
