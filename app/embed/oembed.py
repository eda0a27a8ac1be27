"""oEmbed (https://oembed.com): a CMS pastes a show or episode URL and gets the player.

Only URLs of this site resolve; the answer is a ``rich`` type with an iframe
of the embed page, sized within the consumer's ``maxwidth``/``maxheight``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

from flask import current_app, render_template, request
from werkzeug.exceptions import HTTPException

from app.models import Episode, Show
from app.services import episodes, shows
from app.services.errors import InvalidInput, NotFound, ServiceError
from app.urls import absolute_url, embed_url, show_embed_url


class TooSmall(ServiceError):
    """oEmbed asks for 501 when no response fits the consumer's size limits."""

    status = 501


DEFAULT_WIDTH = 600
FULL_HEIGHT = 400
COMPACT_HEIGHT = 150
MIN_WIDTH = 320
SHOW_ENDPOINTS = ("public.show", "embed.latest")
EPISODE_ENDPOINTS = ("public.episode", "embed.episode")


def resolve(url: str) -> tuple[Show, Episode | None]:
    """The show, and the episode if the URL names one.

    :raise InvalidInput: for a missing URL.
    :raise NotFound: for a URL of another site, or one that is no show or episode page.
    """
    if not url:
        raise InvalidInput("Give the address of a show or episode page as ?url=.", "url")
    parts = urlsplit(url)
    if parts.netloc not in _own_hosts():
        raise NotFound("Only addresses of this site can be embedded.")
    try:
        endpoint, args = current_app.url_map.bind(parts.netloc).match(parts.path, method="GET")
    except HTTPException as exc:
        raise NotFound("That address is not a show or episode page of this site.") from exc
    if endpoint in SHOW_ENDPOINTS:
        return shows.get_show(args["show_slug"]), None
    if endpoint in EPISODE_ENDPOINTS:
        show = shows.get_show(args["show_slug"])
        return show, episodes.get_published_episode(show, args["episode_slug"])
    raise NotFound("That address is not a show or episode page of this site.")


def _own_hosts() -> set[str]:
    hosts = {request.host}
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        hosts.add(urlsplit(base).netloc)
    return hosts


def size(max_width: int | None, max_height: int | None) -> tuple[int, int, bool]:
    """``(width, height, compact)`` within the consumer's limits.

    >>> size(None, None), size(400, 200)
    ((600, 400, False), (400, 150, True))

    :raise TooSmall: when the player cannot fit (the spec's 501).
    """
    if (max_width or MIN_WIDTH) < MIN_WIDTH or (max_height or COMPACT_HEIGHT) < COMPACT_HEIGHT:
        raise TooSmall(f"The player needs at least {MIN_WIDTH} × {COMPACT_HEIGHT} pixels.")
    width = min(DEFAULT_WIDTH, max_width or DEFAULT_WIDTH)
    compact = max_height is not None and max_height < FULL_HEIGHT
    return width, COMPACT_HEIGHT if compact else FULL_HEIGHT, compact


def response_data(
    show: Show, episode: Episode | None, max_width: int | None, max_height: int | None
) -> dict[str, Any]:
    """A ``rich`` response whose ``html`` is an iframe of the embed page (compact if low)."""
    width, height, compact = size(max_width, max_height)
    src = embed_url(episode) if episode else show_embed_url(show)
    if compact:
        src += "?compact=1"
    title = episode.title if episode else show.title
    return {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "author_name": show.author,
        "author_url": absolute_url("public.show", show_slug=show.slug),
        "provider_name": show.author,
        "provider_url": absolute_url("public.index"),
        "cache_age": 3600,
        "width": width,
        "height": height,
        "html": render_template(
            "embed/_iframe.html", src=src, title=title, width=width, height=height
        ).strip(),
    }


def to_xml(data: dict[str, Any]) -> bytes:
    """The XML form of oEmbed: one ``<oembed>`` element with a child per field."""
    root = ElementTree.Element("oembed")
    for key, value in data.items():
        ElementTree.SubElement(root, key).text = str(value)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
