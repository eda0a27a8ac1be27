"""``/media/<key>``: enclosures and artwork, with the ranges podcast apps rely on."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request

from app.delivery.ranges import ranged_response
from app.services.files import find_stored_file
from app.storage import current_storage

bp = Blueprint("delivery", __name__)


@bp.route("/media/<path:key>", methods=["GET", "HEAD"])
def media(key: str):
    """Serve a stored file by its key, or redirect to the storage's own URL.

    Only keys recorded in the database are served, so nothing else in the
    bucket or folder is reachable.

    :raise 404: when no stored file has this key.
    """
    stored = find_stored_file(key)
    if stored is None:
        abort(404)
    storage = current_storage()
    if current_app.config["MEDIA_DELIVERY"] == "redirect":
        url = storage.url(stored.storage_key)
        if url:
            return redirect(url, 302)
    return ranged_response(stored, storage, request)
