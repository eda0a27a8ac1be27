"""Studio forms. They parse and carry CSRF; the services do the real validation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField


class LoginForm(FlaskForm):
    email = EmailField(_("Email"), render_kw={"autocomplete": "username", "required": True})
    password = PasswordField(
        _("Password"), render_kw={"autocomplete": "current-password", "required": True}
    )


class EpisodeUploadForm(FlaskForm):
    audio = FileField("Audio file", render_kw={"accept": "audio/*", "required": True})
    title = StringField("Title", render_kw={"required": True, "maxlength": 255})
    description = TextAreaField("Description", render_kw={"rows": 6})
    publish = BooleanField("Publish now", default=True)
