"""Issue 12, attack 2: feed poisoning through the Host header.

One ``GET /<show>/feed.xml`` with ``Host: evil.example`` used to store a feed
whose enclosures and ``atom:link rel="self"`` pointed at evil.example, which
every later subscriber got from the shared cache. Absolute URLs now come from
``PUBLIC_BASE_URL`` only; while it is unset (the demo), hosts other than this
machine's names are refused before anything is built.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import FeedCache
from app.services.shows import create_show
from tests.app.conftest import log_in
from tests.app.feeds.conftest import add
from tests.app.studio.conftest import token_of

EVIL = "evil.example"
FORWARDED = {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https", "Forwarded": f"host={EVIL}"}


def published_show(app, audio_dir) -> str:
    with app.app_context():
        slug = create_show(
            "testpodden", title="Testpodden", language="sv", owner_email="podd@example.org"
        ).slug
    add(app, slug, audio_dir, "Avsnitt 1", datetime(2025, 1, 1, 7, tzinfo=UTC))
    return slug


def stored_feeds(app) -> bytes:
    with app.app_context():
        return b"".join(db.session.scalars(select(FeedCache.body)))


def test_an_unset_base_refuses_a_foreign_host_and_stores_nothing(unset_app, audio_dir):
    slug = published_show(unset_app, audio_dir)
    client = unset_app.test_client()
    poisoned = client.get(f"/{slug}/feed.xml", headers={"Host": EVIL, "Accept-Language": "en"})
    assert poisoned.status_code == 400
    assert "does not answer at this address" in poisoned.get_data(as_text=True)
    swedish = client.get(f"/{slug}/feed.xml", headers={"Host": EVIL, "Accept-Language": "sv"})
    assert swedish.get_data(as_text=True).startswith("Webbplatsen svarar inte på den här adressen.")
    assert stored_feeds(unset_app) == b""  # nothing was built for the attacker

    honest = client.get(f"/{slug}/feed.xml", headers={"Host": "127.0.0.1:5000"})
    assert honest.status_code == 200
    assert b'<atom:link href="http://127.0.0.1:5000/testpodden/feed.xml" rel="self"' in honest.data
    assert b'url="http://127.0.0.1:5000/media/' in honest.data
    # The demo answers under "localhost" too, with the same bytes: the host chose nothing.
    assert client.get(f"/{slug}/feed.xml", headers={"Host": "localhost:5000"}).data == honest.data

    # Once the copy is in memory the fast path ahead of Flask refuses the host the same way.
    again = client.get(f"/{slug}/feed.xml", headers={"Host": EVIL})
    assert again.status_code == 400
    forwarded = client.get(f"/{slug}/feed.xml", headers={"Host": "localhost", **FORWARDED})
    assert forwarded.data == honest.data
    assert EVIL.encode() not in stored_feeds(unset_app)


def test_the_feed_route_behind_the_fast_path_refuses_too(unset_app, audio_dir):
    unset_app.config["FEED_FAST_PATH"] = False
    slug = published_show(unset_app, audio_dir)
    response = unset_app.test_client().get(f"/{slug}/feed.xml", headers={"Host": EVIL})
    assert response.status_code == 400
    assert stored_feeds(unset_app) == b""


def test_a_set_base_answers_any_host_with_its_own_urls(app, audio_dir):
    """Production: every Host is answered, and none reaches the feed, pages or links."""
    app.config["PUBLIC_BASE_URL"] = "https://podd.malmo.se"
    slug = published_show(app, audio_dir)
    client = app.test_client()
    poisoned = client.get(f"/{slug}/feed.xml", headers={"Host": EVIL, **FORWARDED})
    assert poisoned.status_code == 200
    assert EVIL.encode() not in poisoned.data
    assert b'href="https://podd.malmo.se/testpodden/feed.xml" rel="self"' in poisoned.data
    assert EVIL.encode() not in stored_feeds(app)
    assert client.get(f"/{slug}/feed.xml").data == poisoned.data

    for page in (f"/{slug}/", f"/{slug}/episodes/avsnitt-1", "/", f"/embed/{slug}"):
        body = client.get(page, headers={"Host": EVIL, **FORWARDED}).get_data(as_text=True)
        assert EVIL not in body, page
        assert "https://podd.malmo.se/" in body, page


@pytest.mark.parametrize("unset", [True, False])
def test_account_links_carry_the_configured_address(request, unset, app, audio_dir):
    """An admin's invitation link, asked for under a forged Host, still points home."""
    from app.services.users import create_user

    if unset:
        app = request.getfixturevalue("unset_app")
        host, base = "localhost", "http://127.0.0.1:5000"
    else:
        app.config["PUBLIC_BASE_URL"] = base = "https://podd.malmo.se"
        host = EVIL
    with app.app_context():
        create_user("admin@example.org", "correct horse battery", is_admin=True)
    client = app.test_client()
    client.environ_base.update(
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_HOST=host,
        **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in FORWARDED.items()},
    )
    assert log_in(client, "admin@example.org").status_code == 302
    page = client.post(
        "/studio/admin/users/invite",
        data={"csrf_token": token_of(client), "email": "ny@example.org"},
    ).get_data(as_text=True)
    assert f"{base}/studio/account/" in page
    assert EVIL not in page
