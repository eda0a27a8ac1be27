"""Logging in and out, the studio's language, and the one-time links to set a password.

Sessions are permanent for ``PERMANENT_SESSION_LIFETIME`` (12 hours): Flask
refuses an older cookie (idle), and ``login_at`` ends a session that long
after its login however active it was. A deactivated user's session ends
on its next request (app.auth loads only active users).
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user

from app.analytics.clients import client_address
from app.i18n import LANGUAGES
from app.services import accounts
from app.services.errors import NotFound, ServiceError
from app.sessions import uses_session
from app.studio import bp
from app.studio.access import can
from app.studio.account_forms import LanguageForm, SetPasswordForm, attach_error
from app.studio.forms import LoginForm


@bp.before_app_request
def end_expired_session():
    """Back to the login page once the session is older than its lifetime, or its user is gone.

    For every page under /studio, whichever blueprint serves it (statistics too);
    other pages never touch the session, so they stay free of cookies.
    """
    if not is_studio_path() or "_user_id" not in session:
        return None
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    expired = time.time() - session.get("login_at", 0) > lifetime
    if expired or not current_user.is_authenticated:
        language = session.get("language")
        logout_user()
        session.clear()
        if language:
            session["language"] = language
        if request.endpoint not in ("studio.login", "studio.set_password", "studio.language"):
            flash(gettext("Your session has ended. Please log in again."))
            back = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("studio.login", next=back))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """:raise 401: re-renders the form when the email or password is wrong.
    :raise 429: after too many failed attempts for the email or the client.
    """
    form = LoginForm()
    if not form.is_submitted():
        form.email.data = request.args.get("email", "")[:255]
    if form.validate_on_submit():
        try:
            user = accounts.log_in(form.email.data or "", form.password.data or "", _client())
        except ServiceError as exc:
            form.form_errors.append(exc.message)
            return render_template("studio/login.html", form=form), exc.status
        _start_session(user)
        return redirect(safe_next() or url_for("studio.index"))
    return render_template("studio/login.html", form=form), 400 if form.errors else 200


def is_studio_path() -> bool:
    return uses_session(request.path)


def _start_session(user) -> None:
    """A fresh session: nothing from before the login is carried over but the language."""
    language = session.get("language")
    session.clear()
    login_user(user)
    session.permanent = True
    session["login_at"] = time.time()
    if language:
        session["language"] = language


def _client() -> str | None:
    return client_address(
        request.remote_addr,
        request.headers.get("X-Forwarded-For"),
        current_app.config["TRUSTED_PROXIES"],
    )


@bp.post("/logout")
@login_required
def logout():
    """End this user's sessions on every device, not only this cookie (``end_sessions``)."""
    accounts.log_out(current_user)
    language = session.get("language")
    logout_user()
    session.clear()
    if language:
        session["language"] = language
    flash(gettext("You are logged out."))
    return redirect(url_for("studio.login"))


@bp.post("/language")
def language():
    """Keep the chosen language in the session; without a choice the browser's is used."""
    form = LanguageForm()
    if form.validate_on_submit() and form.language.data in LANGUAGES:
        session["language"] = form.language.data
    return redirect(safe_next(form.next.data) or url_for("studio.index"))


@bp.route("/account/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Where an invitation or a reset link leads: set a password, then log in.

    :raise 404: for an unknown, used or expired link.
    """
    try:
        row = accounts.token_account(token)
    except NotFound as exc:
        return _no_referrer(render_template("studio/link_invalid.html", message=exc.message), 404)
    form = SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.set_password_with_token(
                token, form.password.data or "", form.confirm.data or ""
            )
        except ServiceError as exc:
            attach_error(form, exc)
            status = exc.status
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(gettext("Your password is set. Log in with it now."))
            return redirect(url_for("studio.login", email=user.email))
    elif form.errors:
        status = 400
    page = render_template(
        "studio/set_password.html", form=form, purpose=row.purpose, email=row.user.email
    )
    return _no_referrer(page, status)


def _no_referrer(page: str, status: int):
    """The token is in the address; no other site may see it in a Referer header."""
    return page, status, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def safe_next(target: str | None = None) -> str | None:
    """Follow ``next`` only to a path of this site, so a login can't bounce elsewhere.

    Browsers drop tabs and newlines from a URL and read a backslash as ``/``, so
    ``/%09/evil.example`` and ``/%5Cevil.example`` would leave the site: any control
    character, whitespace or backslash refuses the value. A value with CR/LF thus
    never reaches the ``Location`` header either, where Werkzeug would raise.
    """
    target = request.args.get("next", "") if target is None else target
    return target if is_local_path(target) else None


def is_local_path(target: str) -> bool:
    """A path on this site: one leading ``/``, no scheme or host, nothing a browser rewrites."""
    if not target.startswith("/") or target.startswith("//"):
        return False
    if any(char == "\\" or char.isspace() or not char.isprintable() for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


@bp.context_processor
def studio_helpers() -> dict:
    """Dates are formatted by ``show_time`` (app/studio/episodes.py), in the show's zone."""
    return {"can": can}
