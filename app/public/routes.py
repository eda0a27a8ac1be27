"""The listener's side: the show list, show and episode pages, and the feed."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, render_template, request
from werkzeug.http import http_date, parse_date, parse_etags

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
    new gets an empty 304. This is the hottest route: headers are plain strings.

    :raise 404: for an unknown show or page.
    """
    page = request.args.get("page", default=1, type=int)
    rendered = cached_feed(show_slug, page)
    gzipped = "gzip" in request.accept_encodings
    # Each encoding is its own representation, so it gets its own strong ETag.
    etag = rendered.etag + ("-gz" if gzipped else "")
    headers = {
        "ETag": f'"{etag}"',
        "Last-Modified": http_date(rendered.last_modified),
        "Cache-Control": f"public, max-age={_feed_max_age(rendered.valid_until)}",
        "Vary": "Accept-Encoding",
        "Access-Control-Allow-Origin": "*",
    }
    if _not_modified(etag, rendered.last_modified):
        return Response(status=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    body = rendered.body_gzip if gzipped else rendered.body
    return Response(body, headers=headers, mimetype="application/rss+xml")


def _not_modified(etag: str, last_modified: datetime) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return parse_etags(if_none_match).contains_weak(etag)
    since = parse_date(request.headers.get("If-Modified-Since"))
    return since is not None and last_modified <= since


def _feed_max_age(valid_until: datetime | None) -> int:
    """A minute, or less when a scheduled episode is due sooner, so caches pick it up on time."""
    if valid_until is None:
        return FEED_MAX_AGE
    seconds = int((valid_until - utcnow()).total_seconds())
    return max(0, min(FEED_MAX_AGE, seconds))


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
