"""``/media/<key>``: enclosures and artwork, with the ranges podcast apps rely on.

Requests for an episode's audio are counted before they are answered, in
both delivery modes, so a redirect to storage or a CDN loses no download.
Audio of an episode that is not out (draft, scheduled, unpublished) is 404 to
the public; a member's signed preview link gets it from the app itself, never
as a storage URL, marked private so no shared cache keeps it.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, redirect, request
from sqlalchemy.exc import SQLAlchemyError

from app import metrics
from app.delivery.previews import preview_allowed
from app.delivery.ranges import CACHE_FOREVER, Answer, plan_answer, ranged_response
from app.extensions import db
from app.services.analytics import MediaRequest, record_hit
from app.services.files import MediaFile, find_media
from app.storage import current_storage

bp = Blueprint("delivery", __name__)
log = logging.getLogger(__name__)


@bp.route("/media/<path:key>", methods=["GET", "HEAD"])
def media(key: str):
    """Serve a stored file by its key, or redirect to the storage's own URL.

    Only keys recorded in the database are served, so nothing else in the
    bucket or folder is reachable.

    :raise 404: when no stored file has this key, or it is audio of an episode that
        is not public and the request carries no valid preview signature.
    """
    media_file = find_media(key)
    if media_file is None:
        abort(404)
    if not media_file.is_public():
        if not preview_allowed(key, request.args.get("preview")):
            abort(404)
        return _preview(media_file)
    answer = plan_answer(media_file, request)
    if media_file.episode_id is not None:
        _count(media_file, answer)
    storage = current_storage()
    if current_app.config["MEDIA_DELIVERY"] == "accel":
        return _accel_redirect(media_file)
    if current_app.config["MEDIA_DELIVERY"] == "redirect":
        url = storage.url(media_file.storage_key)
        if url:
            return redirect(url, 302)
    return ranged_response(media_file, storage, request, answer)


def _preview(media_file: MediaFile):
    """A member's preview: streamed by the app in either mode, uncounted, kept by no cache."""
    answer = plan_answer(media_file, request)
    response = ranged_response(media_file, current_storage(), request, answer)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _accel_redirect(media_file: MediaFile) -> Response:
    """Hand the file to nginx, which answers ranges and conditionals itself from local disk.

    Only the headers nginx keeps from this answer are set (Content-Type, Cache-Control).
    """
    prefix = current_app.config["MEDIA_ACCEL_PREFIX"].rstrip("/") + "/"
    response = Response(mimetype=media_file.mime_type)
    response.headers["X-Accel-Redirect"] = prefix + quote(media_file.storage_key)
    response.headers["Cache-Control"] = CACHE_FOREVER
    return response


def _count(media_file: MediaFile, answer: Answer) -> None:
    """Record the hit; a database hiccup costs one hit, never the listener's download."""
    hit = MediaRequest(
        method=request.method,
        remote_addr=request.remote_addr,
        forwarded_for=request.headers.get("X-Forwarded-For"),
        user_agent=request.headers.get("User-Agent", ""),
        served=answer.served,
    )
    try:
        reason = record_hit(media_file, hit)
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not record a download of episode %s", media_file.episode_id)
        return
    metrics.media_hit(counted=reason is None)
