"""The web layer: the only code that knows about requests and the database."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from app.config import load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides settings read from the environment."""
    config = config or {}
    instance_path = config.get("INSTANCE_PATH") or os.environ.get("PODHOST_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.update(load_config(app.instance_path, overrides=config))
    register_url_converters(app)
    register_extensions(app)
    register_blueprints(app)
    register_template_globals(app)
    register_i18n(app)
    register_errorhandlers(app)
    register_input_checks(app)
    register_commands(app)
    register_jobs(app)
    register_feed_fast_path(app)
    return app


def register_url_converters(app: Flask) -> None:
    """Before any route: ``<int:...>`` in a URL matches only ids the database can hold."""
    from app.urls import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_extensions(app: Flask) -> None:
    from app import auth, storage
    from app.analytics.logging import hide_client_addresses
    from app.extensions import csrf, db, login_manager, migrate
    from app.services.search import include_name
    from app.sessions import StudioSessionInterface

    app.session_interface = StudioSessionInterface()
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(app.root_path, "migrations"),
        render_as_batch=True,
        include_name=include_name,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    auth.init_login(login_manager)
    storage.init_storage(app)
    hide_client_addresses()


def register_blueprints(app: Flask) -> None:
    from app.analytics.routes import bp as analytics
    from app.delivery.routes import bp as delivery
    from app.embed.routes import bp as embed
    from app.health import bp as health
    from app.public.routes import bp as public
    from app.studio import bp as studio

    for blueprint in (health, delivery, analytics, studio, embed, public):
        app.register_blueprint(blueprint)


def register_feed_fast_path(app: Flask) -> None:
    """Answer feed polls from memory ahead of Flask (app.public.feed_http); FEED_FAST_PATH=0 off."""
    from app.public.feed_http import FeedFastPath

    if app.config["FEED_FAST_PATH"]:
        app.wsgi_app = FeedFastPath(app, app.wsgi_app)


def register_template_globals(app: Flask) -> None:
    from app import assets, urls
    from app.formatting import clock, language_name, seconds
    from app.processing.wording import audio_status
    from app.public.fragments import cue_list

    app.jinja_env.globals.update(
        media_url=urls.media_url,
        enclosure_url=urls.enclosure_url,
        this_page_with=urls.this_page_with,
        cue_list=cue_list,
        feed_url=urls.feed_url,
        absolute_url=urls.absolute_url,
        asset_url=assets.asset_url,
    )
    app.jinja_env.globals["audio_status"] = audio_status  # studio/_audio_status.html
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["language_name"] = language_name
    app.jinja_env.filters["seconds"] = seconds


def register_i18n(app: Flask) -> None:
    from app.i18n import init_i18n

    init_i18n(app)


def register_errorhandlers(app: Flask) -> None:
    from app.errors import init_errorhandlers

    init_errorhandlers(app)


def register_input_checks(app: Flask) -> None:
    from app.input_checks import init_input_checks

    init_input_checks(app)


def register_jobs(app: Flask) -> None:
    from app.jobs import init_jobs

    init_jobs(app)


def register_commands(app: Flask) -> None:
    from app.cli import init_commands

    init_commands(app)
