"""The new-episode page and the upload API its script talks to.

The page works without JavaScript as a plain multipart form. With it, the
file goes up in resumable pieces before the form is sent: straight to S3
through presigned part URLs, or in Content-Range chunks to this app when
storage is a local disk. The JSON endpoints below parse, call
:mod:`app.services.uploads` and answer; errors come back as JSON
``{"error", "message"}`` through the app's one error handler.
"""

from __future__ import annotations

import re

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from app.models import PendingUpload, Show
from app.services import episodes, uploads
from app.services.errors import InvalidInput, ServiceError
from app.studio import bp
from app.studio.access import can, studio_show
from app.studio.posted import StudioForm, json_object
from app.urls import public_origin

CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


class NewEpisodeForm(StudioForm):
    """The episode's first fields; ``upload`` names a finished browser upload."""

    audio = FileField(lazy_gettext("Audio file"), render_kw={"accept": "audio/*"})
    upload = HiddenField()
    title = StringField(lazy_gettext("Title"), render_kw={"required": True, "maxlength": 255})
    description = TextAreaField(lazy_gettext("Description"), render_kw={"rows": 6})
    use_cover = BooleanField(lazy_gettext("Use the file's cover art as the episode's artwork"))
    use_chapters = BooleanField(lazy_gettext("Import the file's chapters"))
    publish = BooleanField(lazy_gettext("Publish now"), default=True)


@bp.route("/<show_slug>/episodes/new", methods=["GET", "POST"])
@login_required
def new_episode(show_slug: str):
    """Upload form; a refused save re-renders with what was entered, file included.

    :raise 404: for an unknown show or one the user is no member of.
    """
    show = studio_show(show_slug, "author")
    form = NewEpisodeForm()
    if request.method == "GET":
        form.use_cover.data = form.use_chapters.data = True
    if not form.validate_on_submit():
        return _render_form(show, form, 400 if form.errors else 200)
    publish = bool(form.publish.data) and can(show, "editor")
    try:
        episode = _save(show, form, publish)
    except ServiceError as exc:
        _attach_error(form, exc)
        return _render_form(show, form, exc.status)
    if episode.published_at:
        flash(gettext("“%(title)s” was uploaded and published.", title=episode.title))
    else:
        flash(gettext("“%(title)s” was uploaded and saved as a draft.", title=episode.title))
    return redirect(url_for("studio.show", show_slug=show.slug))


def _save(show: Show, form: NewEpisodeForm, publish: bool):
    """From a finished browser upload when the form names one, else from the posted file."""
    if form.upload.data:
        return episodes.add_episode_from_upload(
            show.slug,
            current_user,
            form.upload.data,
            title=form.title.data or "",
            description=form.description.data or "",
            publish=publish,
            use_cover=bool(form.use_cover.data),
            use_chapters=bool(form.use_chapters.data),
        )
    upload = form.audio.data
    if upload is None or not upload.filename:
        raise InvalidInput(gettext("Choose an audio file to upload."), "audio")
    return episodes.add_episode(
        show.slug,
        upload.stream,  # werkzeug has already spooled anything large to a temp file
        title=form.title.data or "",
        description=form.description.data or "",
        filename=upload.filename,
        publish=publish,
        # Without the script there is no preview to untick them in; the editor can remove them.
        use_cover=True,
        use_chapters=True,
    )


def _render_form(show: Show, form: NewEpisodeForm, status: int):
    """The page, with the finished upload the form names (kept across a failed save)."""
    pending = None
    if form.upload.data:
        try:
            pending = uploads.get_upload(show, current_user, form.upload.data)
        except ServiceError:
            form.upload.data = ""
    if pending is not None and pending.state != uploads.READY:
        pending = None
    return render_template(
        "studio/upload.html",
        show=show,
        form=form,
        pending=pending,
        can=can,
        too_large=uploads.too_large_message(current_app.config["MAX_UPLOAD_BYTES"]),
    ), status


def _attach_error(form: NewEpisodeForm, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


# --- the upload API -------------------------------------------------------------


@bp.post("/<show_slug>/uploads")
@login_required
def start_upload(show_slug: str):
    """Open an upload for ``{"filename", "size", "type"}``; 413 before a byte is sent if too big.

    :raise 404: for an unknown show or one the user is no member of.
    """
    show = studio_show(show_slug, "author")
    body = json_object()
    upload = uploads.begin_upload(
        show,
        current_user,
        str(body.get("filename") or ""),
        body.get("size"),
        str(body.get("type") or ""),
        origin=public_origin(),  # configured, never the Host header (issue 12)
    )
    return jsonify(_describe(show, upload)), 201


@bp.get("/<show_slug>/uploads/<token>")
@login_required
def upload_status(show_slug: str, token: str):
    """What arrived so far, so a resumed upload sends only the rest.

    :raise 404: for an unknown upload, or one of another user or show.
    """
    show = studio_show(show_slug, "author")
    return jsonify(_describe(show, uploads.get_upload(show, current_user, token)))


@bp.post("/<show_slug>/uploads/<token>/parts")
@login_required
def sign_parts(show_slug: str, token: str):
    """Presigned PUT URLs for ``{"parts": [1, 2, ...]}`` of a direct (S3) upload.

    :raise 404: for an unknown upload, or one of another user or show.
    """
    show = studio_show(show_slug, "author")
    upload = uploads.get_upload(show, current_user, token)
    numbers = json_object().get("parts")
    urls = uploads.presign_parts(upload, numbers if isinstance(numbers, list) else [])
    return jsonify({"urls": {str(number): url for number, url in urls.items()}})


@bp.put("/<show_slug>/uploads/<token>")
@login_required
def put_chunk(show_slug: str, token: str):
    """Receive one ``Content-Range`` chunk of a disk upload, streamed to the partial file.

    :raise 404: for an unknown upload, or one of another user or show.
    :raise 422: for a body that is not as long as its Content-Range; nothing is kept.
    :raise 409: when the chunk starts past what arrived; the answer says what did.
    """
    show = studio_show(show_slug, "author")
    upload = uploads.get_upload(show, current_user, token)
    match = CONTENT_RANGE.match(request.headers.get("Content-Range", ""))
    if match is None:
        raise InvalidInput(gettext("That piece of the file does not fit."))
    start, end, total = (int(value) for value in match.groups())
    received = uploads.receive_chunk(
        upload, start, end, total, request.stream, body_length=request.content_length
    )
    return jsonify({"received": received})


@bp.post("/<show_slug>/uploads/<token>/complete")
@login_required
def complete_upload(show_slug: str, token: str):
    """Join, probe and describe the file; a refused file is gone when this answers.

    :raise 404: for an unknown upload, or one of another user or show.
    :raise 409: when parts are missing; the browser sends them and asks again.
    :raise 413, 415: for a file too large or not audio; nothing of it is kept.
    """
    show = studio_show(show_slug, "author")
    upload = uploads.finish_upload(uploads.get_upload(show, current_user, token))
    answer = _describe(show, upload)
    form = NewEpisodeForm(formdata=None, use_cover=True, use_chapters=True)
    answer["summary_html"] = render_template(
        "studio/_upload_summary.html", show=show, form=form, pending=upload
    )
    return jsonify(answer)


@bp.delete("/<show_slug>/uploads/<token>")
@login_required
def cancel_upload(show_slug: str, token: str):
    """Give up an upload; whatever arrived is removed.

    :raise 404: for an unknown upload, or one of another user or show.
    """
    show = studio_show(show_slug, "author")
    uploads.cancel_upload(uploads.get_upload(show, current_user, token))
    return "", 204


@bp.get("/<show_slug>/uploads/<token>/cover")
@login_required
def upload_cover(show_slug: str, token: str):
    """The finished file's embedded cover, for the form's preview.

    :raise 404: for an unknown upload, or one without a cover.
    """
    show = studio_show(show_slug, "author")
    upload = uploads.get_upload(show, current_user, token)
    cover = uploads.read_audio(upload).cover if upload.state == uploads.READY else None
    if cover is None:
        return jsonify({"error": "Not Found"}), 404
    return cover.data, 200, {"Content-Type": cover.mime_type, "Cache-Control": "private"}


@bp.app_template_filter("file_size")
@bp.app_template_filter("binary_size")  # the name before sizes became decimal
def file_size(size: float) -> str:
    """Sizes on every studio page as in the messages: ``4.3 GB``, ``481,2 kB`` in Swedish."""
    return uploads.human_size(size)


def _describe(show: Show, upload: PendingUpload) -> dict:
    """The upload as its script needs it: where to send what, and what arrived."""
    progress = uploads.progress(upload)
    url = url_for("studio.upload_status", show_slug=show.slug, token=upload.token)
    return {
        "id": upload.token,
        "mode": "s3" if uploads.is_direct(upload) else "chunked",
        "state": upload.state,
        "size": upload.size,
        "part_size": uploads.part_size(upload),
        "part_count": uploads.part_count(upload),
        "received": progress.received,
        "parts": list(progress.parts),
        "url": url,
        "probe": upload.probe,
    }
