"""Flask-Login wiring: how a session's user id becomes a User."""

from __future__ import annotations

from flask_babel import lazy_gettext as _
from flask_login import LoginManager

from app.extensions import db
from app.models import User


def init_login(login_manager: LoginManager) -> None:
    login_manager.login_view = "studio.login"
    login_manager.login_message = _("Log in to use the studio.")
    # "basic": a phone changing networks must not log the producer out mid-upload.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        """Deactivated users load as no one, so their session ends on its next request."""
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None
