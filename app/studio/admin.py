"""The instance admin's pages: users (invite, admin rights, deactivate, roles).

A new show is made on its own page, ``app.studio.new_show``.

Every handler starts with ``require_instance_admin()``; a one-time link is
rendered into the response that created it, never kept in the session.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app.services import accounts, shows, users
from app.services.errors import ServiceError
from app.studio import bp
from app.studio.access import require_instance_admin
from app.studio.account_forms import (
    ActionForm,
    InviteForm,
    UserRoleForm,
    attach_error,
    options,
)
from app.urls import absolute_url


def account_link(token: str) -> str:
    """The address to pass on: the public base URL when configured, else this request's host."""
    return absolute_url("studio.set_password", token=token)


@bp.get("/admin/")
@login_required
def admin_users():
    """:raise 403: unless the user is an instance admin."""
    require_instance_admin()
    return _users_page()


def _users_page(invite_form: InviteForm | None = None, link=None, status: int = 200):
    all_shows = shows.list_shows()
    show_choices = options([("", gettext("No show")), *((s.slug, s.title) for s in all_shows)])
    invite_form = invite_form or InviteForm()
    invite_form.show.choices = show_choices
    role_form = UserRoleForm()
    role_form.show.choices = options((s.slug, s.title) for s in all_shows)
    page = render_template(
        "studio/admin_users.html",
        users=users.list_users(),
        invite_form=invite_form,
        role_form=role_form,
        action_form=ActionForm(),
        link=link,
        roles=_role_names(),
    )
    return page, status


def _role_names() -> dict[str, str]:
    return {
        "author": gettext("Author"),
        "editor": gettext("Editor"),
        "admin": gettext("Show admin"),
    }


@bp.post("/admin/users/invite")
@login_required
def admin_invite():
    """Invite by email, optionally as admin or with a role on a show; shows the link once.

    :raise 403: unless the user is an instance admin.
    """
    require_instance_admin()
    form = InviteForm()
    form.show.choices = []
    if not form.validate_on_submit():
        return _users_page(form, status=400)
    try:
        show = shows.get_show(form.show.data) if form.show.data else None
        invitation = accounts.invite(
            form.email.data or "",
            is_admin=form.is_admin.data,
            show=show,
            role=form.role.data if show else None,
            acting=current_user,
        )
    except ServiceError as exc:
        attach_error(form, exc)
        return _users_page(form, status=exc.status)
    link = _link_notice(invitation.user.email, invitation.token, "invite", invitation.pending)
    return _users_page(link=link)


def _link_notice(email: str, token: str | None, purpose: str, pending: str | None = None) -> dict:
    """What ``link_notice`` (studio/_form.html) shows: the link, or why there is none."""
    url = account_link(token) if token else None
    return {"email": email, "url": url, "purpose": purpose, "pending": pending}


@bp.post("/admin/users/<int:user_id>/admin")
@login_required
def admin_set_admin(user_id: int):
    """:raise 403: unless the user is an instance admin. :raise 404: for an unknown user."""
    require_instance_admin()
    form = ActionForm()
    if form.validate_on_submit():
        _flash_errors(
            lambda: users.set_instance_admin(user_id, form.value.data == "1", acting=current_user)
        )
    return redirect(url_for("studio.admin_users"))


@bp.post("/admin/users/<int:user_id>/active")
@login_required
def admin_set_active(user_id: int):
    """Deactivate or reactivate a user. :raise 403: unless an instance admin."""
    require_instance_admin()
    form = ActionForm()
    if form.validate_on_submit():
        active = form.value.data == "1"
        _flash_errors(lambda: users.set_active(user_id, active, acting=current_user))
    return redirect(url_for("studio.admin_users"))


@bp.post("/admin/users/<int:user_id>/reset")
@login_required
def admin_reset_link(user_id: int):
    """A one-hour password reset link, shown once. :raise 403: unless an instance admin."""
    require_instance_admin()
    form = ActionForm()
    if not form.validate_on_submit():
        return _users_page(status=400)
    user = users.get_user(user_id)
    token = accounts.reset_token(user.email, acting=current_user)
    return _users_page(link=_link_notice(user.email, token, "reset"))


@bp.post("/admin/users/<int:user_id>/role")
@login_required
def admin_set_role(user_id: int):
    """Give a user a role on any show, or none. :raise 403: unless an instance admin."""
    require_instance_admin()
    form = UserRoleForm()
    if form.validate_on_submit():
        _flash_errors(
            lambda: accounts.give_role(user_id, form.show.data or "", form.role.data or None)
        )
    return redirect(url_for("studio.admin_users"))


def _flash_errors(change) -> None:
    try:
        change()
    except ServiceError as exc:
        flash(exc.message)
    else:
        flash(gettext("Saved."))
