"""The one way a studio route gets its show: through the logged-in user's role on it."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from app.models import Show
from app.services import members


def studio_show(show_slug: str, need: str = "author") -> Show:
    """The show for this request, checked against ``current_user``'s role.

    Every studio route that takes a ``show_slug`` calls this first, so a user of
    show A can neither see nor change show B (tests/app/studio/test_access.py
    walks every such route).

    :raise NotFound: (404) for an unknown show or one the user is no member of.
    :raise Forbidden: (403) for a member whose role is weaker than ``need``.
    """
    return members.show_for(current_user, show_slug, need)


def require_instance_admin() -> None:
    """:raise 403: unless the logged-in user administers the whole instance."""
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(403)


def can(show: Show, need: str) -> bool:
    """For templates: whether to offer an action that needs ``need`` on ``show``."""
    return current_user.is_authenticated and members.allows(
        members.role_of(current_user, show), need
    )
