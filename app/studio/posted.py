"""What a request posted, in the shapes the studio's handlers expect.

A browser posts text in text inputs and files in file inputs. Anything else
(a file where text belongs, a JSON body that is a list, a NUL byte) is
refused here with a message, before a handler can trip over it.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict, MultiDict
from wtforms.fields import FileField

from app.input_checks import is_text, not_text_message
from app.services.errors import InvalidInput


def json_object() -> dict[str, Any]:
    """The posted JSON body, which must be an object; none (another content type) is ``{}``.

    :raise InvalidInput: for a JSON body that does not parse, or is not an object.
    """
    if not request.is_json:
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput(gettext("The request must send a JSON object."))
    if not is_text(body):
        raise InvalidInput(not_text_message())
    return body


class StudioForm(FlaskForm):
    """Every studio form: posted files reach only file fields, JSON only as text.

    Flask-WTF gives every field every posted part, so a file sent under a text
    field's name arrives as a file object where a handler expects a string.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is not _Auto or not _is_submitted():
                return super().wrap_formdata(form, formdata)
            if request.files:
                names = {field.name for field in form if isinstance(field, FileField)}
                files = MultiDict(
                    [(k, v) for k, v in request.files.items(multi=True) if k in names]
                )
                return CombinedMultiDict((files, request.form))
            if not request.form and request.is_json:
                return _json_fields()
            return super().wrap_formdata(form, formdata)


def _json_fields() -> ImmutableMultiDict:
    """A JSON form body as form data: an object whose values are text or lists of text."""
    pairs = []
    for name, value in json_object().items():
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str):
                raise InvalidInput(gettext("Each field of the form must be text."), name)
            pairs.append((name, item))
    return ImmutableMultiDict(pairs)
