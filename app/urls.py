"""Absolute URLs for feeds and pages, from ``PUBLIC_BASE_URL`` when it is set.

Behind a proxy the request's own host may be internal; feeds must carry the
public address apps subscribe to, so the configured base wins.
"""

from __future__ import annotations

from flask import current_app, url_for

from app.models import Episode, Show, StoredFile


def absolute_url(endpoint: str, **values: object) -> str:
    """The public, canonical address: a visitor's ``?lang=`` choice is not carried into it."""
    values.setdefault("lang", None)
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def media_url(stored: StoredFile) -> str:
    return absolute_url("delivery.media", key=stored.storage_key)


def with_analytics_prefix(prefix: str | None, url: str) -> str:
    """``https://op3.dev/e/`` + ``https://host/a.mp3`` -> ``https://op3.dev/e/host/a.mp3``."""
    return prefix + url.split("://", 1)[1] if prefix else url


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
