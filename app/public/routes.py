"""The listener's side: the show list, show and episode pages, search, sitemap, and the feed."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import get_locale

from app.models import Episode, Show, utcnow
from app.public.covers import cover_bytes, cover_of, cover_url, responsive_cover
from app.public.credits import credits_of
from app.public.feed_http import FEED_MAX_AGE, feed_reply
from app.public.responses import page_response
from app.public.structured import podcast_episode, podcast_series
from app.public.subscribe import subscribe_options
from app.services import catalog, episodes, feed_extras, search, shows
from app.services.feed import cached_feed
from app.urls import (
    absolute_url,
    embed_url,
    episode_url,
    feed_url,
    show_url,
    site_embed_target,
)
from feeds.chapters import CHAPTERS_MIME_TYPE
from media.artwork import ArtworkError
from media.storage import StorageError
from media.transcripts import FORMATS

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return page_response(
        render_template(
            "public/index.html", shows=shows.list_shows(), embed_target=site_embed_target()
        )
    )


@bp.get("/<show_slug>/")
def show(show_slug: str):
    """:raise 404: for an unknown show, or a page of episodes past the last."""
    found = shows.get_show(show_slug)
    raw = request.args.get("page", "1")
    number = int(raw) if raw.isdigit() else 0  # anything else is no page: a 404 that says so
    page = catalog.episode_page(found, number)
    links = {link.directory: link.url for link in found.directory_links}
    canonical = absolute_url(
        "public.show", show_slug=found.slug, page=number if number > 1 else None
    )
    return page_response(
        render_template(
            "public/show.html",
            show=found,
            page=page,
            canonical=canonical,
            structured=podcast_series(found),
            subscribe_options=subscribe_options(feed_url(found), found.title, links),
            credits=credits_of(found),
            **_covers(found),
        )
    )


@bp.get("/<show_slug>/episodes/<episode_slug>")
def episode(show_slug: str, episode_slug: str):
    """:raise 404: for an unknown show, or an episode that is unknown or not yet public."""
    found = shows.get_show(show_slug)
    item = episodes.get_published_episode(found, episode_slug)
    text = catalog.episode_text(item, get_locale().language, request.args.get("transcript"))
    page = render_template(
        "public/episode.html",
        show=found,
        episode=item,
        text=text,
        canonical=episode_url(item),
        structured=podcast_episode(item),
        embed_code=render_template("embed/_iframe.html", src=embed_url(item), title=item.title),
        credits=credits_of(found, item),
        **_covers(found, item),
    )
    return page_response(page)


# The cover is shown 7rem wide on phones and 10rem from 40rem on: 112-160 px, twice that
# on high-density screens.
PAGE_COVER_WIDTHS = (192, 320, 640)


def _covers(show: Show, episode: Episode | None = None) -> dict:
    """The page's cover (episode's own or the show's) and the 1200 px one for cards."""
    stored = cover_of(show, episode)
    return {
        "cover": responsive_cover(stored, PAGE_COVER_WIDTHS, 320),
        "share_image": cover_url(stored, 1200) if stored else None,
    }


@bp.get("/search", endpoint="search")
def search_page():
    """:raise 422: for a query longer than the search accepts."""
    query = request.args.get("q", "").strip()
    hits = search.search_episodes(query) if query else []
    embed_target = (
        absolute_url(
            "public.episode", show_slug=hits[0].show_slug, episode_slug=hits[0].episode_slug
        )
        if hits
        else site_embed_target()
    )
    return page_response(
        render_template("public/search.html", query=query, hits=hits, embed_target=embed_target)
    )


@bp.get("/sitemap.xml")
def sitemap():
    """Every show and published episode, for search engines (sitemaps.org 0.9)."""
    pages = [(show_url(item), item.updated_at) for item in shows.list_shows()]
    pages += [
        (absolute_url("public.episode", show_slug=show_slug, episode_slug=slug), changed)
        for show_slug, slug, changed in catalog.sitemap_episodes()
    ]
    body = render_template("public/sitemap.xml", pages=pages)
    response = Response(body, mimetype="application/xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *", "Disallow: /studio/", f"Sitemap: {absolute_url('public.sitemap')}"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.route("/<show_slug>/feed.xml", methods=["GET", "HEAD"])
def feed(show_slug: str):
    """The RSS feed apps subscribe to; its URL never changes. ``?page=N`` for archive pages.

    Served from the shared cache with validators, so a poll that finds nothing
    new gets an empty 304. Most polls never reach this route: ``feed_http.FeedFastPath``
    answers them from the copy this route leaves in memory.

    :raise 404: for an unknown show or page.
    """
    page = request.args.get("page", default=1, type=int)
    reply = feed_reply(
        cached_feed(show_slug, page),
        request.headers.get("Accept-Encoding"),
        request.headers.get("If-None-Match"),
        request.headers.get("If-Modified-Since"),
        utcnow(),
        request.headers.get("Accept"),
    )
    return Response(reply.body, status=reply.status, headers=reply.headers)


@bp.get("/feed.xsl", endpoint="feed_stylesheet")
def feed_stylesheet():
    """The XSLT that shows a feed opened in a browser as a page, in the browser's language.

    The feed names it in an ``<?xml-stylesheet?>`` instruction (``services.feed``);
    one address serves every feed, so the language follows ``Accept-Language``.
    """
    body = render_template("public/feed_xsl.xml")
    response = Response(body, mimetype="text/xsl")
    response.vary.add("Accept-Language")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
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


@bp.get("/covers/<int:width>/<path:key>", endpoint="cover")
def cover(width: int, key: str):
    """A show's or episode's cover as a square JPEG ``width`` px wide (``COVER_WIDTHS``).

    :raise 404: for another width, a key that is no public cover, or a cover
        that cannot be read as an image.
    """
    try:
        jpeg = cover_bytes(key, width)
    except (ArtworkError, StorageError):  # a broken or missing file is no cover
        jpeg = None
    if jpeg is None:
        abort(404)
    response = Response(jpeg, mimetype="image/jpeg")
    response.cache_control.public = True
    response.cache_control.max_age = 31536000  # the key names one file forever
    response.cache_control.immutable = True
    response.add_etag()
    return response.make_conditional(request)
