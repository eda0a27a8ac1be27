"""Directory links the studio sets per show."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import DirectoryLink
from app.services.directories import remove_directory_link, set_directory_link
from app.services.errors import InvalidInput, NotFound

SPOTIFY = "https://open.spotify.com/show/abc"


def link_urls(app) -> dict[str, str]:
    with app.app_context():
        return {link.directory: link.url for link in db.session.scalars(select(DirectoryLink))}


def test_set_replace_and_remove(app, show):
    with app.app_context():
        set_directory_link(show, "spotify", SPOTIFY)
        set_directory_link(show, "spotify", SPOTIFY + "2")
    assert link_urls(app) == {"spotify": SPOTIFY + "2"}
    with app.app_context():
        remove_directory_link(show, "spotify")
    assert link_urls(app) == {}


@pytest.mark.parametrize(
    ("directory", "url", "error"),
    [
        ("myspace", SPOTIFY, InvalidInput),
        ("spotify", "http://open.spotify.com/show/abc", InvalidInput),
        ("spotify", "javascript:alert(1)", InvalidInput),
        ("spotify", "https://", InvalidInput),
    ],
)
def test_bad_links_are_refused_and_nothing_is_saved(app, show, directory, url, error):
    with app.app_context(), pytest.raises(error):
        set_directory_link(show, directory, url)
    with app.app_context():
        assert db.session.scalar(select(func.count(DirectoryLink.id))) == 0


def test_unknown_show(app):
    with app.app_context(), pytest.raises(NotFound):
        set_directory_link("finns-inte", "spotify", SPOTIFY)
