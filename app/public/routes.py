"""The listener's side: the show list, show and episode pages, search, sitemap, and the feed."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from app.public.structured import podcast_episode, podcast_series
from app.public.subscribe import subscribe_options
from app.services import catalog, episodes, search, shows
from app.services.feed import show_feed
from app.urls import absolute_url, embed_url, episode_url, feed_url, show_url

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return render_template("public/index.html", shows=shows.list_shows())


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
    return render_template(
        "public/show.html",
        show=found,
        page=page,
        canonical=canonical,
        structured=podcast_series(found),
        subscribe_options=subscribe_options(feed_url(found), found.title, links),
    )


@bp.get("/<show_slug>/episodes/<episode_slug>")
def episode(show_slug: str, episode_slug: str):
    """:raise 404: for an unknown show, or an episode that is unknown or not yet public."""
    found = shows.get_show(show_slug)
    item = episodes.get_published_episode(found, episode_slug)
    return render_template(
        "public/episode.html",
        show=found,
        episode=item,
        canonical=episode_url(item),
        structured=podcast_episode(item),
        embed_code=render_template("embed/_iframe.html", src=embed_url(item), title=item.title),
    )


@bp.get("/search", endpoint="search")
def search_page():
    """:raise 422: for a query longer than the search accepts."""
    query = request.args.get("q", "").strip()
    hits = search.search_episodes(query) if query else []
    return render_template("public/search.html", query=query, hits=hits)


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
    """The RSS feed apps subscribe to; its URL never changes.

    :raise 404: for an unknown show.
    """
    body = show_feed(shows.get_show(show_slug))
    response = Response(body, mimetype="application/rss+xml")
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    return response.make_conditional(request)
