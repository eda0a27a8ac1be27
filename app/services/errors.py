"""Errors a service raises for the web layer and the CLI to show to a person.

Each carries an HTTP status, a message a non-engineer understands and,
for form input, the name of the field it belongs to.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


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


class InvalidFields(InvalidInput):
    """Several fields are wrong at once; ``errors`` maps each field's name to its message.

    Names are the form's: ``title``, ``chapters-2-start``, ``persons-0-name`` ...
    """

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors))
        super().__init__(errors[first], first)
        self.errors = errors


class Refusals:
    """Run independent checks and keep every refusal, so a form shows them all at once.

    A producer who gets one error per save fixes a long form in as many rounds.
    """

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    @contextmanager
    def check(self) -> Iterator[None]:
        """Record an InvalidInput raised in the block under its field (first one wins)."""
        try:
            yield
        except InvalidFields as exc:
            for name, message in exc.errors.items():
                self.errors.setdefault(name, message)
        except InvalidInput as exc:
            self.errors.setdefault(exc.field or "", exc.message)

    def raise_any(self) -> None:
        """:raise InvalidFields: when any check refused its input."""
        if self.errors:
            raise InvalidFields(dict(self.errors))


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
