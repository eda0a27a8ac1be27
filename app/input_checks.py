"""Refuse input that is not text before any handler sees it.

NUL ends a C string and PostgreSQL refuses it in text columns; a lone
surrogate is no character and cannot be encoded as UTF-8. Either one in a
query, a form field or a file name would reach the database or the storage
as an error deep inside a service, so every request is checked once here.
(Percent-encoded bytes that are no UTF-8 decode to U+FFFD, which is text.)
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from flask_babel import gettext

from app.services.errors import InvalidInput, NotFound

NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


def not_text_message() -> str:
    return gettext("The request contains a character that is not text, such as a NUL byte.")


def is_text(value: Any) -> bool:
    """Whether every string in ``value`` (JSON data: nested lists and objects) is clean."""
    if isinstance(value, str):
        return NOT_TEXT.search(value) is None
    if isinstance(value, dict):
        return all(is_text(k) and is_text(v) for k, v in value.items())
    if isinstance(value, list):
        return all(is_text(item) for item in value)
    return True


def refuse_non_text() -> None:
    """:raise NotFound: for such an address (no slug or key holds one).
    :raise InvalidInput: when a query argument, form field or file name is not text.
    """
    if not is_text(request.path):
        raise NotFound(
            gettext("There is no page at this address. Check the address or start over.")
        )
    parts = [*request.args.items(multi=True)]
    if request.method not in ("GET", "HEAD"):
        parts += request.form.items(multi=True)
        parts += [(name, upload.filename or "") for name, upload in request.files.items(multi=True)]
    if not all(is_text(name) and is_text(value) for name, value in parts):
        raise InvalidInput(not_text_message())


def init_input_checks(app: Flask) -> None:
    app.before_request(refuse_non_text)
