"""The app as production runs it, plus ``/bare/<key>``: a redirect with no lookup and no count.

The benchmark loads both in one run, so the difference is what counting costs.
"""

from __future__ import annotations

from flask import redirect

from app import create_app
from app.storage import current_storage


def create_bench_app():
    app = create_app()

    @app.get("/bare/<path:key>")
    def bare(key: str):
        return redirect(current_storage().url(key), 302)

    return app
