"""Studio fixtures shared by the accounts, admin, settings and access tests."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.app.conftest import PASSWORD, csrf_token, log_in

ADMIN_EMAIL = "admin@example.org"


@pytest.fixture
def episode_id(app, show, audio_dir) -> int:
    """A draft of ``show`` with the 3-second tagged MP3 (three CHAP chapters)."""
    from app.services.episodes import add_episode

    with app.app_context(), (audio_dir / "tagged.mp3").open("rb") as stream:
        return add_episode(show, stream, title="Avsnitt ett", publish=False).id


@pytest.fixture
def admin(app) -> str:
    """An instance admin (User.is_admin), member of no show."""
    from app.services.users import create_user

    with app.app_context():
        return create_user(ADMIN_EMAIL, PASSWORD, is_admin=True).email


@pytest.fixture
def admin_client(app, admin):
    """A client logged in as the instance admin, speaking English."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert log_in(client, admin).status_code == 302
    return client


def member(app, show_slug: str, email: str, role: str) -> int:
    """A user with ``role`` on the show; returns the user's id."""
    from app.services import members
    from app.services.shows import get_show
    from app.services.users import create_user

    with app.app_context():
        user = create_user(email, PASSWORD)
        members.set_role(user, get_show(show_slug), role)
        return user.id


def client_as(app, email: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert log_in(client, email).status_code == 302
    return client


def token_of(client, url: str = "/studio/") -> str:
    """The session's CSRF token, valid for every form of that session."""
    return csrf_token(client, url)


def link_in(page: str) -> str:
    """The one-time link an admin page shows."""
    match = re.search(r'id="one-time-link" readonly value="([^"]+)"', page)
    assert match, "no one-time link on the page"
    return match.group(1)


def database_dump(app, skip: tuple[str, ...] = ("login_failures",)) -> dict[str, list]:
    """Every row of every table, to show a request changed nothing at all."""
    with app.app_context():
        dump = {}
        for table in db.metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = db.session.execute(text(f"SELECT * FROM {table.name}")).all()
            dump[table.name] = sorted(repr(tuple(row)) for row in rows)
        return dump
