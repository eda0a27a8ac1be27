"""The listener's side: the show list, show and episode pages, and the feed."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from app.services import episodes, shows
from app.services.feed import show_feed

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return render_template("public/index.html", shows=shows.list_shows())


@bp.get("/<show_slug>/")
def show(show_slug: str):
    """:raise 404: for an unknown show."""
    found = shows.get_show(show_slug)
    return render_template(
        "public/show.html", show=found, episodes=episodes.published_episodes(found)
    )


@bp.get("/<show_slug>/episodes/<episode_slug>")
def episode(show_slug: str, episode_slug: str):
    """:raise 404: for an unknown show, or an episode that is unknown or not yet public."""
    found = shows.get_show(show_slug)
    return render_template(
        "public/episode.html",
        show=found,
        episode=episodes.get_published_episode(found, episode_slug),
    )


@bp.route("/<show_slug>/feed.xml", methods=["GET", "HEAD"])
def feed(show_slug: str):
    """The RSS feed apps subscribe to; its URL never changes.

    :raise 404: for an unknown show.
    """
    body = show_feed(shows.get_show(show_slug))
    response = Response(body, mimetype="application/rss+xml")
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    return response.make_conditional(request)
