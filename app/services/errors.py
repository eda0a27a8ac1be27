"""Errors a service raises for the web layer and the CLI to show to a person.

Each carries an HTTP status, a message a non-engineer understands and,
for form input, the name of the field it belongs to.
"""

from __future__ import annotations


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    """The user is known and a member, but their role does not allow this."""

    status = 403


class InvalidInput(ServiceError):
    status = 422


class UnsupportedMedia(ServiceError):
    """The upload is not audio we can publish (415), with the probe's reason code."""

    status = 415

    def __init__(self, message: str, field: str | None = None, code: str = "") -> None:
        super().__init__(message, field)
        self.code = code


class AuthenticationFailed(ServiceError):
    status = 401


class StorageUnavailable(ServiceError):
    status = 503


class Conflict(ServiceError):
    """Someone else changed it first: an older lock version, or an upload with parts missing."""

    status = 409


class TooLarge(ServiceError):
    """A file over the configured limit (413)."""

    status = 413


class TooManyRequests(ServiceError):
    """Too many failed attempts in a short time; the message says when to try again."""

    status = 429
