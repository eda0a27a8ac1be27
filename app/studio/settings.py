"""A show's settings, artwork and members, for its admins (and instance admins).

Every handler starts with ``studio_show(show_slug, "admin")``: other shows'
users get 404, authors and editors of this show 403.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app.services import accounts, shows
from app.services.directories import DIRECTORIES
from app.services.errors import InvalidFields, InvalidInput, ServiceError
from app.services.pictures import picture_url
from app.services.shows import PERSON_KEYS, ShowSettings
from app.studio import bp
from app.studio.access import studio_show
from app.studio.account_forms import (
    PERSON_GROUPS,
    PERSON_ROLES,
    PERSON_ROWS,
    ArtworkForm,
    MemberInviteForm,
    MemberRoleForm,
    ShowSettingsForm,
    attach_error,
    category_value,
    split_category,
)
from app.studio.admin import account_link


@bp.route("/<show_slug>/settings", methods=["GET", "POST"])
@login_required
def show_settings(show_slug: str):
    """Every field of the feed; a refused field is shown beside itself with what was entered.

    :raise 404: for another show's users. :raise 403: for authors and editors.
    """
    show = studio_show(show_slug, "admin")
    form = ShowSettingsForm(obj=None if request.method == "POST" else show)
    if request.method == "GET":
        _fill_lists(form, show)
    persons = _posted_persons() if request.method == "POST" else _show_persons(show)
    links = _posted_links() if request.method == "POST" else _show_links(show)
    status = 200
    cell_errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            shows.update_show_settings(show.slug, _settings(form, persons, links, show))
        except ServiceError as exc:
            cell_errors = _attach_settings_error(form, exc)
            status = exc.status
        else:
            flash(gettext("The settings are saved. The feed shows them now."))
            return redirect(url_for("studio.show_settings", show_slug=show.slug))
    elif form.errors:
        status = 400
    page = render_template(
        "studio/settings.html",
        show=show,
        form=form,
        artwork_form=ArtworkForm(),
        persons=persons + [dict.fromkeys(PERSON_KEYS, "")] * PERSON_ROWS,
        links=links,
        directories=DIRECTORIES,
        cell_errors=cell_errors,
        person_roles=PERSON_ROLES,
        person_groups=PERSON_GROUPS,
    )
    return page, status


def _fill_lists(form: ShowSettingsForm, show) -> None:
    form.funding.data = "\n".join(f"{f['url']} | {f.get('text') or ''}" for f in show.funding)
    form.txts.data = "\n".join(
        f"{t['purpose']} | {t['text']}" if t.get("purpose") else t["text"] for t in show.txts
    )
    form.podroll.data = "\n".join(
        f"{p['feed_guid']} | {p.get('feed_url') or ''}" for p in show.podroll
    )
    form.category.data = category_value(show.category, show.subcategory)


def _show_persons(show) -> list[dict]:
    return [
        {key: getattr(p, key) or "" for key in PERSON_KEYS} | {"img": picture_url(p) or ""}
        for p in show.persons
    ]


def _posted_persons() -> list[dict]:
    """Rows of the persons table; a row left wholly empty is no person."""
    columns = {key: request.form.getlist(f"person_{key}") for key in PERSON_KEYS}
    rows = []
    for values in zip(*columns.values(), strict=False):
        row = dict(zip(PERSON_KEYS, (value.strip() for value in values), strict=True))
        if any(row.values()):
            rows.append(row)
    return rows


def _show_links(show) -> dict[str, str]:
    return {link.directory: link.url for link in show.directory_links}


def _posted_links() -> dict[str, str]:
    return {name: request.form.get(f"link_{name}", "").strip() for name in DIRECTORIES}


# Kept as they are: the page asks for a place by name only, not for coordinates or an
# OpenStreetMap id, which a show may still have from an import or the command line.
KEPT_FIELDS = ("location_geo", "location_osm")


def _settings(
    form: ShowSettingsForm, persons: list[dict], links: dict[str, str], show
) -> ShowSettings:
    names = [*shows.SETTINGS_TEXT, *shows.SETTINGS_FLAGS, "funding", "txts", "podroll"]
    asked = [name for name in names if name not in (*KEPT_FIELDS, "subcategory")]
    fields = {name: getattr(form, name).data for name in asked}
    fields["category"], fields["subcategory"] = split_category(form.category.data)
    fields |= {name: getattr(show, name) or "" for name in KEPT_FIELDS}
    fields["feed_page_size"] = request.form.get("feed_page_size", "")
    return ShowSettings(fields=fields, persons=persons, directory_links=links)


def _attach_settings_error(form: ShowSettingsForm, exc: ServiceError) -> dict[str, str]:
    """Each form field's error goes on the field; a person cell's (``persons-0-name``) or a
    directory link's (``link_apple``) comes back by input id, for the template to show
    beside that input."""
    errors = exc.errors if isinstance(exc, InvalidFields) else {exc.field or "": exc.message}
    cells = {}
    for name, message in errors.items():
        if name.startswith(("persons-", "link_")):
            cells[name] = message
        else:
            name = {"subcategory": "category", **dict.fromkeys(KEPT_FIELDS, "location_name")}.get(
                name, name
            )
            attach_error(form, InvalidInput(message, name or None))
    return cells


@bp.post("/<show_slug>/settings/artwork")
@login_required
def show_artwork(show_slug: str):
    """Replace the artwork; a refused image leaves the old one and nothing new in storage.

    :raise 404: for another show's users. :raise 403: for authors and editors.
    """
    show = studio_show(show_slug, "admin")
    form = ArtworkForm()
    status = 400
    if form.validate_on_submit():
        upload = form.artwork.data
        try:
            if upload is None or not upload.filename:
                raise InvalidInput(gettext("Choose an image file."), "artwork")
            shows.replace_artwork(show.slug, upload.stream, upload.filename)
        except ServiceError as exc:
            attach_error(form, exc)
            status = exc.status
        else:
            flash(gettext("The new artwork is saved."))
            return redirect(url_for("studio.show_settings", show_slug=show.slug))
    settings_form = ShowSettingsForm(obj=show, formdata=None)
    _fill_lists(settings_form, show)
    page = render_template(
        "studio/settings.html",
        show=show,
        form=settings_form,
        artwork_form=form,
        persons=_show_persons(show) + [dict.fromkeys(PERSON_KEYS, "")] * PERSON_ROWS,
        links=_show_links(show),
        directories=DIRECTORIES,
        cell_errors={},
        person_roles=PERSON_ROLES,
        person_groups=PERSON_GROUPS,
    )
    return page, status


@bp.route("/<show_slug>/members", methods=["GET", "POST"])
@login_required
def show_members(show_slug: str):
    """List members; invite someone by email with a role (a new person gets a link, shown once).

    :raise 404: for another show's users. :raise 403: for authors and editors.
    """
    show = studio_show(show_slug, "admin")
    form = MemberInviteForm()
    link = None
    status = 200
    if form.validate_on_submit():
        try:
            invitation = accounts.invite(
                form.email.data or "", show=show, role=form.role.data, acting=current_user
            )
        except ServiceError as exc:
            attach_error(form, exc)
            status = exc.status
        else:
            url = account_link(invitation.token) if invitation.token else None
            link = {
                "email": invitation.user.email,
                "url": url,
                "purpose": "invite",
                "pending": invitation.pending,
            }
            form = MemberInviteForm(formdata=None)
    elif form.errors:
        status = 400
    page = render_template(
        "studio/members.html",
        show=show,
        form=form,
        role_form=MemberRoleForm(formdata=None),
        members=accounts.show_members(show),
        link=link,
    )
    return page, status


@bp.post("/<show_slug>/members/<int:user_id>")
@login_required
def show_member(show_slug: str, user_id: int):
    """Change a member's role, or remove them with an empty role.

    :raise 404: for another show's users, or a user who is no member of this show.
    :raise 403: for authors and editors.
    """
    show = studio_show(show_slug, "admin")
    form = MemberRoleForm()
    if form.validate_on_submit():
        try:
            accounts.change_member(show, user_id, form.role.data or None, acting=current_user)
        except ServiceError as exc:
            if exc.status == 404:
                raise
            flash(exc.message)
        else:
            flash(gettext("Saved."))
    return redirect(url_for("studio.show_members", show_slug=show.slug))
