"""Studio forms. They parse and carry CSRF; the services do the real validation."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField


class LoginForm(FlaskForm):
    email = EmailField("Email", render_kw={"autocomplete": "username", "required": True})
    password = PasswordField(
        "Password", render_kw={"autocomplete": "current-password", "required": True}
    )
