"""Studio pages for moving a show in (import, progress, the move) and out (export).

Creating a show is an instance admin's action; re-importing into a show, locking
its feed and exporting it need the show's admin role.
"""

from __future__ import annotations

import logging
import tempfile

from flask import (
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.models import ImportJob
from app.services import exports, imports
from app.services.errors import InvalidInput, ServiceError
from app.studio import bp
from app.studio.access import require_instance_admin, studio_show
from app.studio.import_forms import ImportForm, LockForm, ReimportForm
from app.studio.import_text import import_text
from app.studio.posted import StudioForm

log = logging.getLogger(__name__)


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_show():
    """Start an import; a refused feed re-renders the form with the reason.

    :raise 403: unless the user administers the instance.
    """
    require_instance_admin()
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("studio/import.html", form=form), 400 if form.errors else 200
    try:
        job = imports.start_import(
            _feed_source(form),
            slug=form.slug.data or None,
            owner_email=form.owner_email.data or current_user.email,
            owner_confirmed=form.owner_confirmed.data,
        )
    except ServiceError as exc:
        _attach_error(form, exc)
        return render_template("studio/import.html", form=form), exc.status
    _queue_import(job.id)
    return redirect(url_for("studio.import_progress", show_slug=job.show.slug))


@bp.get("/<show_slug>/import")
@login_required
def import_progress(show_slug: str):
    """The latest import's progress, and after it how to complete the move.

    :raise 404: for an unknown show or one the user is no member of.
    :raise 403: for members who are not the show's admins.
    """
    show = studio_show(show_slug, "admin")
    job = imports.latest_job(show)
    return render_template(
        "studio/import_progress.html",
        show=show,
        job=job,
        job_note=import_text(job.message, job.message_codes) if job else None,
        items=_items_with_notes(job),
        progress=imports.progress(job) if job else None,
        reimport_form=ReimportForm(url=job.source if job and "://" in job.source else None),
        lock_form=LockForm(locked=show.locked),
    )


@bp.post("/<show_slug>/import/again")
@login_required
def reimport(show_slug: str):
    """Add the feed's new episodes to the show.

    :raise 404: / 403: as for the progress page.
    """
    show = studio_show(show_slug, "admin")
    form = ReimportForm()
    try:
        if not form.validate_on_submit():
            raise InvalidInput(_("The form expired; please try again."))
        job = imports.start_reimport(show.slug, _feed_source(form))
    except ServiceError as exc:
        flash(exc.message)
        return redirect(url_for("studio.import_progress", show_slug=show.slug))
    _queue_import(job.id)
    return redirect(url_for("studio.import_progress", show_slug=show.slug))


@bp.post("/<show_slug>/import/lock")
@login_required
def lock_feed(show_slug: str):
    """Set or clear podcast:locked on the new feed.

    :raise 404: / 403: as for the progress page.
    """
    show = studio_show(show_slug, "admin")
    form = LockForm()
    if form.validate_on_submit():
        imports.set_locked(show.slug, bool(form.locked.data))
        flash(_("The feed is locked.") if form.locked.data else _("The feed is not locked."))
    return redirect(url_for("studio.import_progress", show_slug=show.slug))


@bp.post("/<show_slug>/export")
@login_required
def export_show(show_slug: str):
    """The show's archive as a download, built in a temporary file.

    :raise 404: / 403: as for the progress page.
    """
    show = studio_show(show_slug, "admin")
    if not StudioForm().validate_on_submit():
        raise InvalidInput(_("The form expired; please reload the page and try again."))
    archive = tempfile.TemporaryFile()  # noqa: SIM115 (send_file closes it after sending)
    try:
        exports.export_show(show.slug, archive)
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    return send_file(
        archive,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{show.slug}-export.zip",
    )


def _items_with_notes(job: ImportJob | None) -> list:
    """Each item of the job with its note in the reader's language (None without one)."""
    if job is None:
        return []
    return [(item, import_text(item.message, item.message_codes)) for item in job.items]


def _feed_source(form: StudioForm) -> imports.FeedSource:
    upload = form.feed_file.data
    if upload is not None and getattr(upload, "filename", ""):
        return imports.read_feed_file(upload.stream, upload.filename)
    if not (form.url.data or "").strip():
        raise InvalidInput(_("Give the feed's address, or choose a feed file."), "url")
    return imports.fetch_feed_source(form.url.data)


def _attach_error(form: StudioForm, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


def _queue_import(job_id: int) -> None:
    """Put the job on the task queue for a consumer (app/jobs), unless a worker holds it.

    The job row is committed: if the queue is away, the periodic ``resume_imports``
    queues it once the reservation has run out, so the producer loses nothing.
    """
    from app.jobs import QueueUnavailable, enqueue

    for reserved in imports.reserve_for_queue(job_id):
        try:
            enqueue("run_import", job_id=reserved)
        except QueueUnavailable:
            log.warning("import %s waits for the queue to come back", reserved)
