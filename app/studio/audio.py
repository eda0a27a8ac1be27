"""An episode's audio processing in the studio: the master download, normalising on or off,
and the show's processing settings."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.delivery.ranges import plan_answer, ranged_response
from app.extensions import db
from app.processing import enqueue_processing, master_download, queue_audio
from app.services import editing
from app.services.feed_cache import mark_stale
from app.services.files import MediaFile
from app.storage import current_storage
from app.studio import bp
from app.studio.access import studio_show

BITRATES = (64, 96, 128, 160, 192)
ALTERNATES = ("", "aac", "opus")


@bp.get("/<show_slug>/episodes/<int:episode_id>/audio/master")
@login_required
def download_master(show_slug: str, episode_id: int) -> Response:
    """The file as uploaded, for the show's members (any role).

    :raise 404: for another show's episode.
    """
    show = studio_show(show_slug)
    master = master_download(editing.get_episode(show, episode_id))
    stored = MediaFile.of(master, None, None)
    response = ranged_response(stored, current_storage(), request, plan_answer(stored, request))
    name = master.original_filename or stored.storage_key.rsplit("/", 1)[-1]
    response.headers["Content-Disposition"] = _attachment(name)
    response.headers["Cache-Control"] = "private, no-store"  # a member's file, not the public's
    return response


def _attachment(name: str) -> str:
    """RFC 6266 with an RFC 5987 name, so å, ä and ö survive."""
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


@bp.post("/<show_slug>/episodes/<int:episode_id>/audio/normalise")
@login_required
def set_episode_normalise(show_slug: str, episode_id: int):
    """Turn normalising off (or on again) for one episode, and process its master again.

    :raise 404: for another show's episode or one without processing.
    """
    show = studio_show(show_slug, "editor")
    episode = editing.get_episode(show, episode_id)
    row = episode.audio_processing
    if row is None:
        abort(404)
    queue_audio(episode, row.master, normalise=request.form.get("normalise") == "1")
    mark_stale(db.session, {show.id})
    db.session.commit()
    enqueue_processing(episode.id)
    flash(_("The audio will be processed again."))
    return redirect(url_for("studio.edit_episode", show_slug=show.slug, episode_id=episode_id))


@bp.route("/<show_slug>/settings/audio", methods=["GET", "POST"])
@login_required
def audio_settings(show_slug: str):
    """Loudness normalising, MP3 bit rates and the alternate format of a show. Admins only."""
    show = studio_show(show_slug, "admin")
    errors: dict[str, str] = {}
    if request.method == "POST":
        stereo = _choice(request.form.get("mp3_kbps_stereo"), BITRATES, errors, "mp3_kbps_stereo")
        mono = _choice(request.form.get("mp3_kbps_mono"), BITRATES, errors, "mp3_kbps_mono")
        alternate = request.form.get("alternate", "")
        if alternate not in ALTERNATES:
            errors["alternate"] = _("Choose one of the formats offered.")
        if not errors:
            show.audio_normalise = request.form.get("normalise") == "1"
            show.audio_mp3_kbps_stereo, show.audio_mp3_kbps_mono = stereo, mono
            show.audio_alternate = alternate or None
            db.session.commit()
            flash(_("The audio settings are saved. They apply to audio uploaded from now on."))
            return redirect(url_for("studio.audio_settings", show_slug=show.slug))
    status = 400 if errors else 200
    return render_template(
        "studio/audio_settings.html",
        show=show,
        errors=errors,
        bitrates=BITRATES,
    ), status


def _choice(raw: str | None, allowed: tuple[int, ...], errors: dict, name: str) -> int:
    """One of ``allowed`` bit rates, or an error naming the field."""
    try:
        value = int(raw or "")
    except ValueError:
        value = -1
    if value not in allowed:
        errors[name] = _("Choose one of the bit rates offered.")
    return value
