"""The producer's side under ``/studio``.

Each feature has its own route module; importing them here registers their
routes on the one blueprint. Every route with a ``show_slug`` gets its show
through :func:`app.studio.access.studio_show`.
"""

from flask import Blueprint

bp = Blueprint("studio", __name__, url_prefix="/studio")

from app.studio import imports, routes  # noqa: E402, F401  (registers the routes)
