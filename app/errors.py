"""One place that turns errors into pages for browsers and JSON for API clients."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES

from app.extensions import db
from app.services.errors import ServiceError
from app.services.uploads import too_large_message

log = logging.getLogger(__name__)


def wants_json() -> bool:
    """Only when the client prefers JSON outright; browsers send ``*/*`` too."""
    accept = request.accept_mimetypes
    return accept["application/json"] > accept["text/html"]


def error_response(status: int, title: str, message: str):
    if wants_json():
        return {"error": title, "message": message}, status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_errorhandlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        db.session.rollback()
        return error_response(exc.status, _title(exc.status), exc.message)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge):
        limit = app.config["MAX_CONTENT_LENGTH"]
        return error_response(413, gettext("File too large"), too_large_message(limit))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error_response(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        error = InternalServerError()
        return error_response(
            500, error.name, "Something went wrong on our side. Please try again in a moment."
        )


def _title(status: int) -> str:
    return HTTP_STATUS_CODES.get(status, "Error")
