"""A user of show A can neither see nor change anything of show B, on every studio route.

The walk is generic: it reads ``app.url_map``, so routes added later are
covered without touching this file. A route argument it cannot fill makes
the test fail with the argument's name; add a real value of show B to
``show_b_values`` below.
"""

from __future__ import annotations

import pytest

from app.services.episodes import add_episode
from app.services.feed_extras import add_alternate_enclosure
from app.services.shows import create_show, get_show
from tests.app.conftest import stored_keys
from tests.app.studio.conftest import client_as, database_dump, member, token_of

SHOW_B = "b-podden"
# What a hostile form might carry, so a handler that forgets the check would act on it.
HOSTILE_FORM = {
    "title": "Ändrad av A",
    "description": "x",
    "email": "intrang@example.org",
    "role": "admin",
    "value": "1",
    "language": "en",
    "owner_email": "a@example.org",
    "author": "A",
    "owner_name": "A",
    "category": "Government",
    "timezone": "Europe/Stockholm",
    "publish": "y",
}


@pytest.fixture
def two_shows(app, show, audio_dir):
    """Show A (``testpodden``) with its own admin; show B with an episode and a member."""
    with app.app_context():
        create_show(SHOW_B, title="B-podden", language="sv", owner_email="b@example.org")
        with (audio_dir / "tone.mp3").open("rb") as audio:
            episode = add_episode(SHOW_B, audio, title="B:s avsnitt", filename="tone.mp3")
        with (audio_dir / "tone.opus").open("rb") as opus:
            alternate = add_alternate_enclosure(SHOW_B, episode.slug, opus, title="Opus")
        episode_b = {
            "episode_id": episode.id,
            "episode_slug": episode.slug,
            "alternate_id": alternate.id,
        }
        b_id = get_show(SHOW_B).id
    b_member = member(app, SHOW_B, "b-member@example.org", "admin")
    member(app, show, "a-admin@example.org", "admin")
    with app.app_context():
        from app.extensions import db
        from app.models import User
        from app.services.uploads import begin_upload

        # B's member has an upload under way: its token must be of no use to A.
        pending = begin_upload(
            get_show(SHOW_B), db.session.get(User, b_member), "b.mp3", 1000, "audio/mpeg", None
        )
        upload_b = {"token": pending.token}
    values = {
        "show_slug": SHOW_B,
        "user_id": b_member,
        "show_id": b_id,
        **episode_b,
        **upload_b,
    }
    return client_as(app, "a-admin@example.org"), values


def studio_rules(app):
    """Every studio rule that names a show, and the methods it answers (not HEAD/OPTIONS).

    The studio blueprint's, and any other blueprint's rule under /studio/ (statistics).
    """
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        in_studio = rule.endpoint.startswith("studio.") or rule.rule.startswith("/studio/")
        if in_studio and "show_slug" in rule.arguments:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def url_for_rule(rule, values: dict) -> str:
    missing = rule.arguments - set(values)
    assert not missing, f"{rule.rule}: add show B values for {sorted(missing)} to this test"
    return rule.build({name: values[name] for name in rule.arguments})[1]


def test_walk_covers_the_studio(app):
    """The walk must find routes, or it would pass by testing nothing."""
    endpoints = {rule.endpoint for rule, _ in studio_rules(app)}
    assert {"studio.show", "studio.show_settings", "studio.show_members"} <= endpoints
    assert {"studio.show_artwork", "studio.show_member", "studio.new_episode"} <= endpoints
    assert {"analytics.show", "analytics.prefix"} <= endpoints


def test_member_of_a_gets_404_everywhere_on_b(app, two_shows):
    client, values = two_shows
    token = token_of(client)
    before = database_dump(app), stored_keys(app)
    answers = {}
    for rule, method in studio_rules(app):
        url = url_for_rule(rule, values)
        if method == "GET":
            response = client.get(url)
        else:
            data = {**HOSTILE_FORM, "csrf_token": token}
            response = client.open(url, method=method, data=data)
        answers[f"{method} {url}"] = response.status_code
        response.close()
    assert answers and set(answers.values()) == {404}, answers
    assert (database_dump(app), stored_keys(app)) == before


def test_walk_reaches_b_for_its_own_member(app, two_shows):
    """The same URLs do work for B's admin: the 404s above are the access check, not bad URLs."""
    _, values = two_shows
    client = client_as(app, "b-member@example.org")
    for rule, method in studio_rules(app):
        if method == "GET" and rule.endpoint not in NOT_THERE_YET:
            url = url_for_rule(rule, values)
            assert client.get(url).status_code == 200, url


# GET routes whose 404 for B's own member is about content, not access: B's upload
# has not arrived yet, so it has no cover art to show.
NOT_THERE_YET = {"studio.upload_cover"}


OWN_ADMIN_ROUTES = [
    ("GET", "/studio/testpodden/settings"),
    ("POST", "/studio/testpodden/settings"),
    ("POST", "/studio/testpodden/settings/artwork"),
    ("GET", "/studio/testpodden/members"),
    ("POST", "/studio/testpodden/members"),
    ("POST", "/studio/testpodden/members/{admin_id}"),
]


@pytest.mark.parametrize("role", ["author", "editor"])
def test_weaker_roles_get_403_on_admin_routes(app, show, role):
    admin_id = member(app, show, "show-admin@example.org", "admin")
    member(app, show, f"{role}@example.org", role)
    client = client_as(app, f"{role}@example.org")
    token = token_of(client)
    before = database_dump(app), stored_keys(app)
    for method, url in OWN_ADMIN_ROUTES:
        url = url.format(admin_id=admin_id)
        data = {**HOSTILE_FORM, "csrf_token": token} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, (method, url)
    assert (database_dump(app), stored_keys(app)) == before
    # Checked last: the show page renders the feed, which assigns podcast:guid once.
    assert client.get("/studio/testpodden/").status_code == 200


def test_show_admin_reaches_admin_routes(app, show):
    member(app, show, "show-admin@example.org", "admin")
    client = client_as(app, "show-admin@example.org")
    assert client.get("/studio/testpodden/settings").status_code == 200
    assert client.get("/studio/testpodden/members").status_code == 200
    # but not the instance admin's pages
    assert client.get("/studio/admin/").status_code == 403
    assert client.get("/studio/admin/shows/new").status_code == 403
