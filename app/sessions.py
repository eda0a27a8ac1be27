"""Cookie sessions for the studio only.

Listeners, podcast apps and embedding pages never log in, so their requests
need no session. Opening (verifying a signed cookie) and saving one costs
more than the rest of serving a cached feed, the hottest route, so every
path outside ``/studio`` gets Flask's empty null session instead: readable
as empty, and loud if code there ever tries to write to it.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

SESSION_PATHS = ("/studio/",)


def uses_session(path: str) -> bool:
    """Whether a request to ``path`` may have a login, a language choice or flashes."""
    return path == "/studio" or path.startswith(SESSION_PATHS)


class StudioSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions under ``/studio``; a null session everywhere else."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not uses_session(request.path):
            return None  # Flask then uses make_null_session, and never saves it
        return super().open_session(app, request)
