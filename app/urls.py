"""Absolute URLs for feeds, pages and account links, from ``PUBLIC_BASE_URL`` only.

Never from the request: feeds and pages are cached and shared, and account
links are passed on, so a ``Host`` header an attacker chose must never reach
them (issue 12). Behind a proxy the request's own host may be internal anyway;
feeds must carry the public address apps subscribe to. ``app.config`` always
has a base: the demo's on the embedded default, the operator's elsewhere.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import current_app, request, url_for
from werkzeug.routing import IntegerConverter

from app.config import DEMO_BASE_URL
from app.models import Episode, Show, StoredFile

# The largest id a 32-bit INTEGER column holds (PostgreSQL's int4); SQLite's 64-bit is larger.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>``: a larger number is no URL of the app (404), not a database error."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def absolute_url(endpoint: str, **values: object) -> str:
    """The public, canonical address: a visitor's ``?lang=`` choice is not carried into it."""
    values.setdefault("lang", None)
    return public_base_url() + url_for(endpoint, **values)


def public_base_url() -> str:
    """The configured public address, e.g. ``https://podd.malmo.se`` (no trailing slash)."""
    return (current_app.config.get("PUBLIC_BASE_URL") or DEMO_BASE_URL).rstrip("/")


def public_origin() -> str:
    """Scheme, host and port of the public address: what browsers send as ``Origin``."""
    parts = urlsplit(public_base_url())
    return f"{parts.scheme}://{parts.netloc}"


def media_url(stored: StoredFile) -> str:
    return absolute_url("delivery.media", key=stored.storage_key)


def with_analytics_prefix(prefix: str | None, url: str) -> str:
    """``https://op3.dev/e/`` + ``https://host/a.mp3`` -> ``https://op3.dev/e/host/a.mp3``."""
    return prefix + url.split("://", 1)[1] if prefix else url


def enclosure_url(episode: Episode) -> str:
    """The episode's audio as apps and listeners fetch it: behind the show's analytics
    prefix, so the player and download links count the same way as the feed."""
    return with_analytics_prefix(episode.show.analytics_prefix, media_url(episode.audio))


def this_page_with(**args: str) -> str:
    """The current page's path and query with ``args`` set, e.g. another transcript."""
    query = request.args.to_dict()
    query.update(args)
    return request.path + "?" + urlencode(query)


def feed_url(show: Show) -> str:
    return absolute_url("public.feed", show_slug=show.slug)


def show_url(show: Show) -> str:
    return absolute_url("public.show", show_slug=show.slug)


def episode_url(episode: Episode) -> str:
    return absolute_url("public.episode", show_slug=episode.show.slug, episode_slug=episode.slug)


def embed_url(episode: Episode) -> str:
    return absolute_url("embed.episode", show_slug=episode.show.slug, episode_slug=episode.slug)


def show_embed_url(show: Show) -> str:
    return absolute_url("embed.latest", show_slug=show.slug)


def site_embed_target() -> str | None:
    """What a page that belongs to no show (the start page, search, privacy) offers to
    oEmbed: the show with the newest episode, whose embed plays its latest episode and so
    stays current on the city page. None while nothing is published: nothing to embed.
    """
    from app.services.catalog import newest_show

    show = newest_show()
    return show_url(show) if show else None
