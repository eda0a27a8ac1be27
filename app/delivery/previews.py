"""Signed preview links: how members hear audio that is not public yet.

Audio of a draft, scheduled or unpublished episode answers 404 at ``/media`` to
the public (issue 12). The studio, which knows the member through their
session, hands out ``/media/<key>?preview=<token>``: signed with the app's
``SECRET_KEY`` for that key alone, and valid for ``PREVIEW_SECONDS``, so a
link that leaks stops working soon and opens nothing else.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.models import StoredFile
from app.urls import absolute_url

PREVIEW_SECONDS = 3600
_SALT = "podhost.media-preview"


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def preview_url(stored: StoredFile) -> str:
    """An address of ``stored`` that works for ``PREVIEW_SECONDS``, published or not."""
    token = _signer().dumps(stored.storage_key)
    return absolute_url("delivery.media", key=stored.storage_key, preview=token)


def preview_allowed(key: str, token: str | None) -> bool:
    """Whether ``token`` is a live preview signature for exactly this key."""
    if not token:
        return False
    try:
        return _signer().loads(token, max_age=PREVIEW_SECONDS) == key
    except BadSignature:  # SignatureExpired included
        return False
