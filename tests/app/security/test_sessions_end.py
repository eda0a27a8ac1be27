"""Attack 5 of issue 12: a session ends everywhere on logout, a new password, or lost rights.

Studio sessions are signed cookies. Each test keeps a copy of a cookie, as an
attacker who read it off a shared computer would, and replays it after the
event that must end it: the copy has to lead back to the login page.
"""

from __future__ import annotations

import re

import pytest

from tests.app.conftest import log_in
from tests.app.studio.conftest import client_as, link_in, member, token_of


def stolen_copy(app, client):
    """A second browser holding the same session cookie as ``client``."""
    thief = app.test_client()
    thief.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/studio/").status_code == 200, "the copy works before the event"
    return thief


def ended(client) -> bool:
    response = client.get("/studio/")
    return response.status_code == 302 and "/studio/login" in response.headers["Location"]


def test_a_cookie_saved_before_logout_no_longer_opens_the_studio(app, studio):
    thief = stolen_copy(app, studio)
    response = studio.post("/studio/logout", data={"csrf_token": token_of(studio)})
    assert response.status_code == 302
    assert ended(thief)
    assert ended(studio)


def test_logout_on_one_device_ends_the_session_on_the_other(app, producer):
    phone = client_as(app, producer)
    laptop = client_as(app, producer)
    phone.post("/studio/logout", data={"csrf_token": token_of(phone)})
    assert ended(laptop)
    again = client_as(app, producer)  # logging in afresh works
    assert again.get("/studio/").status_code == 200


def test_a_new_password_ends_older_sessions(app, producer, admin_client):
    victim = client_as(app, producer)
    thief = stolen_copy(app, victim)
    page = admin_client.post(
        f"/studio/admin/users/{member_id(app, producer)}/reset",
        data={"csrf_token": token_of(admin_client), "value": "1"},
    ).get_data(as_text=True)
    link = link_in(page).split("://", 1)[1].split("/", 1)[1]
    owner = app.test_client()
    form = owner.get(f"/{link}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    new_password = "ett helt nytt lösenord"
    done = owner.post(
        f"/{link}", data={"csrf_token": csrf, "password": new_password, "confirm": new_password}
    )
    assert done.status_code == 302
    assert ended(thief) and ended(victim)
    assert log_in(app.test_client(), producer, new_password).status_code == 302


def member_id(app, email: str) -> int:
    from app.services.users import find_user

    with app.app_context():
        return find_user(email).id


def test_removing_a_member_ends_their_sessions(app, show, producer):
    member(app, show, "chef@example.org", "admin")
    show_admin = client_as(app, "chef@example.org")
    victim = client_as(app, producer)
    thief = stolen_copy(app, victim)
    response = show_admin.post(
        f"/studio/{show}/members/{member_id(app, producer)}",
        data={"csrf_token": token_of(show_admin), "role": ""},
    )
    assert response.status_code == 302
    assert ended(thief) and ended(victim)


def test_demoting_a_member_ends_their_sessions_and_promoting_does_not(app, show, producer):
    member(app, show, "chef@example.org", "admin")
    show_admin = client_as(app, "chef@example.org")
    victim = client_as(app, producer)  # an editor
    url = f"/studio/{show}/members/{member_id(app, producer)}"
    show_admin.post(url, data={"csrf_token": token_of(show_admin), "role": "admin"})
    assert victim.get("/studio/").status_code == 200, "more rights: the session goes on"
    show_admin.post(url, data={"csrf_token": token_of(show_admin), "role": "author"})
    assert ended(victim)


@pytest.mark.parametrize("change", ["role", "admin", "active"])
def test_instance_admin_taking_rights_ends_the_users_sessions(app, show, admin_client, change):
    from app.services.users import find_user

    member(app, show, "kollega@example.org", "editor")
    if change == "admin":
        with app.app_context():
            from app.extensions import db

            find_user("kollega@example.org").is_admin = True
            db.session.commit()
    victim = client_as(app, "kollega@example.org")
    user_id = member_id(app, "kollega@example.org")
    token = token_of(admin_client)
    url, data = {
        "role": (f"/studio/admin/users/{user_id}/role", {"show": show, "role": ""}),
        "admin": (f"/studio/admin/users/{user_id}/admin", {"value": "0"}),
        "active": (f"/studio/admin/users/{user_id}/active", {"value": "0"}),
    }[change]
    assert admin_client.post(url, data={"csrf_token": token, **data}).status_code == 302
    assert ended(victim)
