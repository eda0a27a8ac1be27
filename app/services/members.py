"""Who may do what on which show: per-show roles and the checks every studio route makes."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from app.extensions import db
from app.models import ROLES, Membership, Show, User
from app.services import users
from app.services.errors import Forbidden, InvalidInput, NotFound


def role_of(user: User, show: Show) -> str | None:
    """The user's role on the show; an instance admin counts as the show's admin."""
    if user.is_admin:
        return "admin"
    membership = db.session.get(Membership, (user.id, show.id))
    return membership.role if membership else None


def allows(role: str | None, need: str) -> bool:
    """Whether ``role`` is at least ``need`` in the order author < editor < admin."""
    return role is not None and ROLES.index(role) >= ROLES.index(need)


def show_for(user: User, show_slug: str, need: str = "author") -> Show:
    """The show, if ``user`` holds at least the ``need`` role on it.

    A non-member gets the same 404 as for a show that does not exist, so the
    studio does not even confirm that another team's show exists.

    :raise NotFound: for an unknown show or one the user is no member of.
    :raise Forbidden: when the user is a member with a weaker role than ``need``.
    """
    show = db.session.scalar(select(Show).where(Show.slug == show_slug))
    role = role_of(user, show) if show is not None else None
    if role is None:
        raise NotFound(gettext("There is no show called “%(slug)s”.", slug=show_slug))
    if not allows(role, need):
        raise Forbidden(gettext("Your role on this show does not allow this."))
    return show


def visible_shows(user: User) -> list[Show]:
    """The shows the user may open in the studio, by title."""
    query = select(Show).order_by(Show.title)
    if not user.is_admin:
        query = query.join(Membership, Membership.show_id == Show.id).where(
            Membership.user_id == user.id
        )
    return list(db.session.scalars(query))


def set_role(user: User, show: Show, role: str | None) -> None:
    """Give ``user`` a role on ``show``; ``None`` removes them from it.

    Removing or demoting ends the user's sessions (:func:`is_demotion`).

    :raise InvalidInput: for a role that does not exist.
    """
    if role is not None and role not in ROLES:
        raise InvalidInput(gettext("Choose author, editor or admin."), "role")
    membership = db.session.get(Membership, (user.id, show.id))
    if membership is not None and is_demotion(membership.role, role):
        users.end_sessions(user)
    if role is None:
        if membership is not None:
            db.session.delete(membership)
    elif membership is None:
        db.session.add(Membership(user_id=user.id, show_id=show.id, role=role))
    else:
        membership.role = role
    db.session.commit()


def is_demotion(old: str, new: str | None) -> bool:
    """Whether going from role ``old`` to ``new`` (``None``: removed) takes rights away.

    A demoted or removed member's sessions end everywhere, so a page or a form
    opened with the old rights cannot be used with them any more.
    """
    return new is None or ROLES.index(new) < ROLES.index(old)
