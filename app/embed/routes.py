"""The embeddable player (``/embed/...``) and oEmbed (``/oembed``).

The embed page sets no cookies and makes no request elsewhere; the audio
loads only on play (``preload="none"``), so a city page that shows the
player is not counted as a download. Who may frame it is the site's
choice: CSP ``frame-ancestors`` lists ``EMBED_ALLOWED_ORIGINS``, any by default
(set with every other header in app.security_headers).
"""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template, request
from flask_babel import get_locale

from app.embed import oembed
from app.embed.theme import parse_theme
from app.i18n import use_content_language
from app.models import Episode, Show
from app.public.covers import cover_of, responsive_cover
from app.public.responses import page_response
from app.services import catalog, episodes, shows
from app.services.errors import InvalidInput
from app.urls import episode_url

bp = Blueprint("embed", __name__)

# The cover is 3.5rem (56 px) beside the title: 96 px covers up to 1.7x screens, 192 px
# the rest; either is a few kilobytes, within the budget before the audio.
EMBED_COVER_WIDTHS = (96, 192)


@bp.get("/embed/<show_slug>/<episode_slug>")
def episode(show_slug: str, episode_slug: str):
    """:raise 404: for an unknown show or unpublished episode. :raise 422: for a bad theme."""
    show = shows.get_show(show_slug)
    return _player_page(show, episodes.get_published_episode(show, episode_slug))


@bp.get("/embed/<show_slug>")
def latest(show_slug: str):
    """The newest episode, so a city page can embed a show once and stay current.

    :raise 404: for an unknown show, or one with nothing published.
    """
    show = shows.get_show(show_slug)
    return _player_page(show, catalog.latest_episode(show))


@bp.get("/oembed", endpoint="oembed")
def oembed_endpoint():
    """The oEmbed answer for a show or episode URL of this site.

    :raise 422: without ``url``, or with a size that is not a positive number.
    :raise 404: for a URL that is not a show or episode page of ours.
    :raise 501: for a format other than json or xml, or a size the player cannot fit,
        as the oEmbed spec asks.
    """
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "xml"):
        return Response("Only the json and xml formats are offered.", 501, mimetype="text/plain")
    show, item = oembed.resolve(request.args.get("url", ""))
    data = oembed.response_data(show, item, _positive_int("maxwidth"), _positive_int("maxheight"))
    if fmt == "xml":
        response = Response(oembed.to_xml(data), mimetype="text/xml")
    else:
        response = make_response(data)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _positive_int(name: str) -> int | None:
    """:raise InvalidInput: when the parameter is given but not a positive whole number."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) == 0:
        raise InvalidInput(f"{name} must be a positive whole number of pixels.", name)
    return int(raw)


def _player_page(show: Show, item: Episode) -> Response:
    theme = parse_theme(request.args.get("theme"), request.args.get("color"))
    use_content_language(show.language)
    compact = request.args.get("compact") in ("1", "true")
    page = render_template(
        "embed/player.html",
        show=show,
        episode=item,
        text=catalog.episode_text(item, get_locale().language, request.args.get("transcript")),
        theme=theme,
        compact=compact,
        canonical=episode_url(item),
        cover=responsive_cover(cover_of(show, item), EMBED_COVER_WIDTHS, 96),
    )
    response = page_response(page)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response  # its CSP (frame-ancestors: EMBED_ALLOWED_ORIGINS) is app.security_headers'
