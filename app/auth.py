"""Flask-Login wiring: how a session's user id becomes a User."""

from __future__ import annotations

from flask_babel import lazy_gettext as _
from flask_login import LoginManager

from app.extensions import db
from app.models import User, password_fingerprint


def init_login(login_manager: LoginManager) -> None:
    login_manager.login_view = "studio.login"
    login_manager.login_message = _("Log in to use the studio.")
    # "basic": a phone changing networks must not log the producer out mid-upload.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        """Deactivated users, and sessions older than a password change or the user's
        ``session_generation`` (a logout, lost rights), load as no one.

        Their session then ends on its next request.
        """
        number, fingerprint, generation = [*user_id.split(":"), "", ""][:3]
        user = db.session.get(User, int(number)) if number.isdigit() else None
        if user is None or not user.active:
            return None
        current = fingerprint == password_fingerprint(user.password_hash)
        return user if current and generation == str(user.session_generation) else None
