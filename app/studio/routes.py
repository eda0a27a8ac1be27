"""The studio's front page: the shows the logged-in user may open.

Other studio routes live in their own modules: accounts (login), admin,
settings, uploads and episodes.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from app.services import members
from app.studio import bp


@bp.get("/")
@login_required
def index():
    return render_template("studio/index.html", shows=members.visible_shows(current_user))
