"""The app's one storage backend, built from ``STORAGE_URL`` at start-up."""

from __future__ import annotations

from flask import Flask, current_app

from media.storage import Storage, storage_from_url


def init_storage(app: Flask) -> None:
    """Build the backend once per process; it holds no per-request state."""
    app.extensions["storage"] = storage_from_url(
        app.config["STORAGE_URL"], **app.config["STORAGE_OPTIONS"]
    )


def current_storage() -> Storage:
    return current_app.extensions["storage"]
