"""Flask-Login wiring: how a session's user id becomes a User."""

from __future__ import annotations

from flask_login import LoginManager

from app.extensions import db
from app.models import User


def init_login(login_manager: LoginManager) -> None:
    login_manager.login_view = "studio.login"
    login_manager.login_message = "Log in to use the studio."
    # "basic": a phone changing networks must not log the producer out mid-upload.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None
