"""The listener's side: the show list, show and episode pages, and the feed."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, render_template, request
from werkzeug.http import is_resource_modified

from app.models import utcnow
from app.services import episodes, feed_extras, shows
from app.services.feed import cached_feed
from feeds.chapters import CHAPTERS_MIME_TYPE
from media.transcripts import FORMATS

FEED_MAX_AGE = 60

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
    """The RSS feed apps subscribe to; its URL never changes. ``?page=N`` for archive pages.

    Served from the shared cache with validators, so a poll that finds nothing
    new costs one query and an empty 304.

    :raise 404: for an unknown show or page.
    """
    page = request.args.get("page", default=1, type=int)
    rendered = cached_feed(show_slug, page)
    gzipped = "gzip" in request.accept_encodings
    body = rendered.body_gzip if gzipped else rendered.body
    # Each encoding is its own representation, so it gets its own strong ETag.
    etag = rendered.etag + ("-gz" if gzipped else "")
    response = Response(body, mimetype="application/rss+xml")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(etag)
    response.last_modified = rendered.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = _feed_max_age(rendered.valid_until)
    response.headers["Access-Control-Allow-Origin"] = "*"
    if not is_resource_modified(request.environ, etag=etag, last_modified=rendered.last_modified):
        return _not_modified(response)
    return response


def _feed_max_age(valid_until: datetime | None) -> int:
    """A minute, or less when a scheduled episode is due sooner, so caches pick it up on time."""
    if valid_until is None:
        return FEED_MAX_AGE
    seconds = int((valid_until - utcnow()).total_seconds())
    return max(0, min(FEED_MAX_AGE, seconds))


def _not_modified(response: Response) -> Response:
    """A 304 keeps the validators and caching headers but carries no body."""
    response.status_code = 304
    response.set_data(b"")
    for header in ("Content-Encoding", "Content-Length", "Content-Type"):
        response.headers.pop(header, None)
    return response


@bp.route("/<show_slug>/episodes/<episode_slug>/chapters.json", methods=["GET", "HEAD"])
def chapters(show_slug: str, episode_slug: str):
    """JSON chapters 1.2 for podcast:chapters.

    :raise 404: for an unknown or unpublished episode, or one without chapters.
    """
    body = feed_extras.chapters_document(show_slug, episode_slug)
    return _public_document(body, CHAPTERS_MIME_TYPE)


@bp.route(
    "/<show_slug>/episodes/<episode_slug>/transcript.<language>.<fmt>", methods=["GET", "HEAD"]
)
def transcript(show_slug: str, episode_slug: str, language: str, fmt: str):
    """The episode's transcript in one language as VTT, SRT, JSON or HTML.

    :raise 404: for an unknown episode, language or format.
    """
    text = feed_extras.transcript_document(show_slug, episode_slug, language, fmt)
    return _public_document(text.encode(), FORMATS[fmt])


def _public_document(body: bytes, mimetype: str) -> Response:
    """Chapters and transcripts are fetched by browser players on other sites: CORS *."""
    response = Response(body, content_type=f"{mimetype}; charset=utf-8")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.cache_control.public = True
    response.cache_control.max_age = FEED_MAX_AGE
    response.add_etag()
    return response.make_conditional(request)
