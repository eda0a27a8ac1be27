"""The instance admin's pages: users, invitations, admin rights, deactivation, roles, shows."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Membership
from app.services import users
from app.services.members import role_of
from app.services.shows import get_show
from tests.app.conftest import log_in
from tests.app.studio.conftest import client_as, database_dump, link_in, member, token_of

USERS = "/studio/admin/"


def post(client, url: str, **data):
    return client.post(url, data={"csrf_token": token_of(client), **data})


@pytest.mark.parametrize("role", ["author", "editor", "admin"])
def test_show_members_are_not_instance_admins(app, show, role):
    member(app, show, f"{role}@example.org", role)
    client = client_as(app, f"{role}@example.org")
    token = token_of(client)
    before = database_dump(app)
    assert client.get(USERS).status_code == 403
    assert client.get("/studio/admin/shows/new").status_code == 403
    for url in (
        "/studio/admin/users/invite",
        "/studio/admin/users/1/admin",
        "/studio/admin/users/1/active",
        "/studio/admin/users/1/reset",
        "/studio/admin/users/1/role",
        "/studio/admin/shows/new",
    ):
        response = client.post(
            url,
            data={
                "csrf_token": token,
                "email": "x@example.org",
                "value": "1",
                "slug": "ny",
                "title": "Ny",
                "language": "sv",
                "owner_email": "a@example.org",
                "show": show,
                "role": "admin",
            },
        )
        assert response.status_code == 403, url
    assert database_dump(app) == before


def test_admin_invites_with_a_role_and_the_link_works(app, admin_client, show):
    page = admin_client.get(USERS).get_data(as_text=True)
    assert "admin@example.org" in page
    response = post(
        admin_client,
        "/studio/admin/users/invite",
        email="Redaktor@Example.org",
        show=show,
        role="editor",
    )
    assert response.status_code == 200
    link = link_in(response.get_data(as_text=True))
    assert link.startswith("http://podcasts.test/studio/account/")
    path = link.removeprefix("http://podcasts.test")
    invited = app.test_client()
    form = invited.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    done = invited.post(
        path,
        data={
            "csrf_token": token,
            "password": "redaktörens lösenord",
            "confirm": "redaktörens lösenord",
        },
    )
    assert done.status_code == 302
    assert log_in(invited, "redaktor@example.org", "redaktörens lösenord").status_code == 302
    assert invited.get(f"/studio/{show}/").status_code == 200
    with app.app_context():
        assert role_of(users.find_user("redaktor@example.org"), get_show(show)) == "editor"
    assert "Invited" not in admin_client.get(USERS).get_data(as_text=True)


def test_invite_with_bad_email_keeps_input(app, admin_client):
    before = database_dump(app)
    response = post(admin_client, "/studio/admin/users/invite", email="inte-en-adress")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error">Enter a valid email address.' in page
    assert 'value="inte-en-adress"' in page
    assert database_dump(app) == before


def test_make_and_unmake_admin_but_not_oneself(app, admin_client, producer):
    with app.app_context():
        producer_id = users.find_user(producer).id
        admin_id = users.find_user("admin@example.org").id
    post(admin_client, f"/studio/admin/users/{producer_id}/admin", value="1")
    with app.app_context():
        assert users.find_user(producer).is_admin
    post(admin_client, f"/studio/admin/users/{producer_id}/admin", value="0")
    with app.app_context():
        assert not users.find_user(producer).is_admin
    page = post(admin_client, f"/studio/admin/users/{admin_id}/admin", value="0")
    assert "cannot remove your own admin rights" in admin_client.get(USERS).get_data(as_text=True)
    assert page.status_code == 302
    with app.app_context():
        assert users.find_user("admin@example.org").is_admin


def test_deactivate_logs_the_user_out_and_reactivate(app, admin_client, producer, show):
    victim = client_as(app, producer)
    with app.app_context():
        producer_id = users.find_user(producer).id
    post(admin_client, f"/studio/admin/users/{producer_id}/active", value="0")
    assert "Deactivated" in admin_client.get(USERS).get_data(as_text=True)
    assert victim.get(f"/studio/{show}/").status_code == 302
    assert log_in(victim, producer).status_code == 401
    post(admin_client, f"/studio/admin/users/{producer_id}/active", value="1")
    assert log_in(victim, producer).status_code == 302


def test_reset_link_for_a_user(app, admin_client, producer):
    with app.app_context():
        producer_id = users.find_user(producer).id
    response = post(admin_client, f"/studio/admin/users/{producer_id}/reset")
    page = response.get_data(as_text=True)
    assert "Password reset link for producer@example.org" in page
    assert "/studio/account/" in link_in(page)


def test_give_and_take_a_role(app, admin_client, show):
    with app.app_context():
        user = users.create_user("ny@example.org", "ett långt lösenord")
        user_id, show_id = user.id, get_show(show).id
    post(admin_client, f"/studio/admin/users/{user_id}/role", show=show, role="author")
    with app.app_context():
        assert db.session.get(Membership, (user_id, show_id)).role == "author"
    assert "Testpodden</span>: Author" in admin_client.get(USERS).get_data(as_text=True)
    post(admin_client, f"/studio/admin/users/{user_id}/role", show=show, role="")
    with app.app_context():
        assert db.session.get(Membership, (user_id, show_id)) is None
