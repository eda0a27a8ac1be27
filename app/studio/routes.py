"""The producer's side under ``/studio``: pick a show, upload an episode."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.services import episodes, members
from app.services.errors import InvalidInput, ServiceError
from app.studio import bp
from app.studio.access import can, studio_show
from app.studio.forms import EpisodeUploadForm


@bp.get("/")
@login_required
def index():
    return render_template("studio/index.html", shows=members.visible_shows(current_user))


@bp.get("/<show_slug>/")
@login_required
def show(show_slug: str):
    """:raise 404: for an unknown show or one the user is no member of."""
    found = studio_show(show_slug)
    return render_template("studio/show.html", show=found, episodes=found.episodes)


@bp.route("/<show_slug>/episodes/new", methods=["GET", "POST"])
@login_required
def new_episode(show_slug: str):
    """Upload form; a refused upload re-renders with the error beside its field.

    :raise 404: for an unknown show or one the user is no member of.
    """
    show = studio_show(show_slug, "author")
    form = EpisodeUploadForm()
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template("studio/upload.html", show=show, form=form), status
    try:
        episode = episodes.add_episode(
            show.slug,
            _uploaded_audio(form),
            title=form.title.data or "",
            description=form.description.data or "",
            filename=form.audio.data.filename,
            publish=form.publish.data and can(show, "editor"),
        )
    except ServiceError as exc:
        _attach_error(form, exc)
        return render_template("studio/upload.html", show=show, form=form), exc.status
    flash(f"“{episode.title}” was uploaded" + (" and published." if episode.published_at else "."))
    return redirect(url_for("studio.show", show_slug=show.slug))


def _uploaded_audio(form: EpisodeUploadForm):
    """The upload's stream; werkzeug has already spooled anything large to a temp file."""
    upload = form.audio.data
    if upload is None or not upload.filename:
        raise InvalidInput("Choose an audio file to upload.", "audio")
    return upload.stream


def _attach_error(form: EpisodeUploadForm, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
