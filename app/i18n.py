"""Swedish and English through Flask-Babel, chosen without cookies.

The public pages and the player set no cookies, so the choice travels in the
URL: ``?lang=`` wins, then a page's own default (the embed follows its show's
language), then the browser's ``Accept-Language``. Links between public pages
carry a chosen ``lang`` on, so a listener who switched stays switched.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, g, has_request_context, request, session
from flask_babel import format_date, format_decimal, get_locale

LANGUAGES = {"sv": "Svenska", "en": "English"}
DEFAULT_LANGUAGE = "sv"
# Blueprints whose links carry the listener's chosen language; the feed and sitemap never do.
LANGUAGE_CARRYING_BLUEPRINTS = ("public", "embed")
NOT_CARRYING = frozenset({"public.feed", "public.sitemap", "public.robots"})


def init_i18n(app: Flask) -> None:
    from app.extensions import babel

    babel.init_app(app, locale_selector=select_locale, default_locale=DEFAULT_LANGUAGE)
    app.url_defaults(carry_language)
    app.jinja_env.globals.update(
        languages=LANGUAGES,
        language_switch_url=language_switch_url,
        get_locale=get_locale,
        format_date=format_date,
        format_decimal=format_decimal,
    )


def select_locale() -> str:
    """`?lang=`, then the page's own default, then the browser's preference, then Swedish.

    In the studio, which has a session anyway, a language chosen with its
    switcher comes right after ``?lang=``. Outside a request (the CLI, the
    worker) messages are English, like the rest of the command line.
    """
    if not has_request_context():
        return "en"
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if session.get("language") in LANGUAGES:  # only the studio has a session
        return session["language"]
    page_default = g.get("default_language")
    if page_default:
        return page_default
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def use_content_language(language: str) -> None:
    """Make ``language`` (a show's, e.g. ``sv-SE``) the page's default when we speak it."""
    base = language.split("-")[0].lower()
    if base in LANGUAGES:
        g.default_language = base


def carry_language(endpoint: str, values: dict) -> None:
    """Keep ``?lang=`` on links between public pages; ``lang=None`` drops it (canonical URLs)."""
    if endpoint in NOT_CARRYING or endpoint.split(".")[0] not in LANGUAGE_CARRYING_BLUEPRINTS:
        return
    chosen = request.args.get("lang") if has_request_context() else None
    if chosen in LANGUAGES:
        values.setdefault("lang", chosen)


def language_switch_url(language: str) -> str:
    """This page in ``language``: same path and query, another ``lang``."""
    args = request.args.to_dict()
    args["lang"] = language
    return request.path + "?" + urlencode(args)
