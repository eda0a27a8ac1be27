"""One place that turns errors into pages for browsers and JSON for API clients."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, SecurityError

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
        return error_response(exc.status, _title(exc.status), str(exc.message))

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge):
        limit = app.config["MAX_CONTENT_LENGTH"]
        return error_response(413, _title(413), too_large_message(limit))

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = gettext("The form expired; please reload the page and try again.")
        return error_response(400, _title(400), message)

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError):
        """A ``Host`` outside TRUSTED_HOSTS: no URL can be built, so no page template."""
        message = gettext(
            "This site does not answer at this address. Use the address the site is published at."
        )
        return message, 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        return error_response(status, _title(status), _description(exc))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        message = gettext("Something went wrong on our side. Please try again in a moment.")
        return error_response(500, _title(500), message)


def _title(status: int) -> str:
    """The status in the user's language; a status the site does not use is an "Error"."""
    titles = {
        400: lambda: gettext("Bad request"),
        401: lambda: gettext("Not signed in"),
        403: lambda: gettext("Not allowed"),
        404: lambda: gettext("Not found"),
        405: lambda: gettext("Method not allowed"),
        409: lambda: gettext("Changed by someone else"),
        413: lambda: gettext("File too large"),
        415: lambda: gettext("Unsupported file"),
        422: lambda: gettext("Check your input"),
        429: lambda: gettext("Too many attempts"),
        500: lambda: gettext("Something went wrong"),
        503: lambda: gettext("Temporarily unavailable"),
    }
    return titles.get(status, lambda: gettext("Error"))()


def _description(exc: HTTPException) -> str:
    """A description given with ``abort()`` as it is; Werkzeug's own in the user's language."""
    if exc.description and exc.description != type(exc).description:
        return exc.description
    descriptions = {
        400: lambda: gettext("The request could not be understood. Please go back and try again."),
        403: lambda: gettext("You do not have access to this page."),
        404: lambda: gettext("There is no page at this address. Check the address or start over."),
        405: lambda: gettext("This address does not take that kind of request."),
    }
    describe = descriptions.get(exc.code or 500)
    return describe() if describe else exc.description or ""
