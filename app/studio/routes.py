"""The producer's side under ``/studio``: log in, pick a show (uploads: app.studio.uploads)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.services import members, users
from app.services.errors import ServiceError
from app.studio import bp
from app.studio.forms import LoginForm


@bp.route("/login", methods=["GET", "POST"])
def login():
    """:raise 401: re-renders the form when the email or password is wrong."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = users.authenticate(form.email.data or "", form.password.data or "")
        except ServiceError as exc:
            form.form_errors.append(exc.message)
            return render_template("studio/login.html", form=form), exc.status
        login_user(user)
        return redirect(_safe_next() or url_for("studio.index"))
    return render_template("studio/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are logged out.")
    return redirect(url_for("studio.login"))


@bp.get("/")
@login_required
def index():
    return render_template("studio/index.html", shows=members.visible_shows(current_user))


def _safe_next() -> str | None:
    """Follow ``?next=`` only within this site, so the login can't bounce elsewhere."""
    target = request.args.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else None
