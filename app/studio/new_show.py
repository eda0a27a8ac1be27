"""A new show on one page: what it needs before its first episode, every mistake at once.

The address name (slug) is proposed from the title: by the page's script while typing,
and here when the field comes back empty, so the page works without JavaScript too.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required

from app.services import shows
from app.services.errors import InvalidFields, ServiceError
from app.slugs import slugify
from app.studio import bp
from app.studio.access import require_instance_admin
from app.studio.account_forms import NewShowForm, attach_error, split_category


@bp.route("/admin/shows/new", methods=["GET", "POST"])
@login_required
def admin_new_show():
    """Create a show; its page comes next, leading with "upload a new episode".

    :raise 403: unless the user is an instance admin.
    """
    require_instance_admin()
    form = NewShowForm()
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template("studio/admin_show_new.html", form=form), status
    proposed = not (form.slug.data or "").strip()
    if proposed:
        form.slug.data = slugify(form.title.data or "")
    category, subcategory = split_category(form.category.data)
    artwork = form.artwork.data
    try:
        show = shows.create_show(
            form.slug.data or "",
            title=form.title.data or "",
            description=form.description.data or "",
            language=form.language.data or "",
            owner_email=form.owner_email.data or "",
            category=category,
            subcategory=subcategory or None,
            artwork=artwork.stream if artwork and artwork.filename else None,
        )
    except InvalidFields as exc:
        for name, message in exc.errors.items():
            if name == "slug" and proposed and not form.slug.data:
                continue  # nothing to propose from: the title's own error says it
            attach_error(form, ServiceError(message, name or None))
        return render_template("studio/admin_show_new.html", form=form), exc.status
    except ServiceError as exc:
        attach_error(form, exc)
        return render_template("studio/admin_show_new.html", form=form), exc.status
    flash(gettext("The show “%(title)s” is created.", title=show.title), "success")
    return redirect(url_for("studio.show", show_slug=show.slug))
