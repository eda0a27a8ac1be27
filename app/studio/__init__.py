"""The producer's side under ``/studio``.

Each feature has its own route module; importing them here registers their
routes on the one blueprint. Every route with a ``show_slug`` gets its show
through :func:`app.studio.access.studio_show`.
"""

from flask import Blueprint

bp = Blueprint("studio", __name__, url_prefix="/studio")

from app.studio import (  # noqa: E402  (registers the routes on bp)
    accounts,  # noqa: F401  (login, logout, invitations, language)
    admin,  # noqa: F401  (the instance admin's users and shows)
    audio,  # noqa: F401  (audio processing: master download, normalising, settings)
    episodes,  # noqa: F401  (the episode editor and list)
    imports,  # noqa: F401  (moving shows in and out: import, export)
    routes,  # noqa: F401  (the show list)
    settings,  # noqa: F401  (a show's settings, artwork and members)
    uploads,  # noqa: F401  (new episodes: upload and pre-filled form)
)
