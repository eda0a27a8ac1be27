"""Attack 1 of issue 12: an account link reaches only someone who holds every right it opens.

The attack: the instance admin invites ``new@x.org`` as instance admin; before
that person sets a password, the admin of another show adds ``new@x.org`` as
an author. That page used to show the show admin a fresh link (and end the
instance admin's), with which the show admin became instance admin.
"""

from __future__ import annotations

import re

import pytest

from tests.app.conftest import csrf_token, log_in
from tests.app.studio.conftest import client_as, link_in, member, token_of

NEW = "new@x.org"
NEW_PASSWORD = "ett långt nytt lösenord"


@pytest.fixture
def other_show(app) -> str:
    from app.services.shows import create_show

    with app.app_context():
        return create_show(
            "andra", title="Andra podden", language="sv", owner_email="andra@example.org"
        ).slug


@pytest.fixture
def show_admin(app, other_show):
    """The admin of another show than the one the instance admin works on."""
    member(app, other_show, "chef@example.org", "admin")
    return client_as(app, "chef@example.org")


def invite_as_instance_admin(admin_client, **fields):
    data = {"csrf_token": token_of(admin_client), "email": NEW, **fields}
    return admin_client.post("/studio/admin/users/invite", data=data)


def add_member(client, show_slug: str, role: str = "author"):
    url = f"/studio/{show_slug}/members"
    data = {"csrf_token": csrf_token(client, url), "email": NEW, "role": role}
    return client.post(url, data=data)


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def take_over(app, link: str):
    """Set the password through ``link`` and log in with it; the logged-in client or None."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    form = client.get(path_of(link))
    if form.status_code != 200:
        return None
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.get_data(True))
    done = client.post(
        path_of(link),
        data={"csrf_token": token.group(1), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert log_in(client, NEW, NEW_PASSWORD).status_code == 302
    return client


def test_a_show_admin_adding_a_pending_instance_admin_gets_no_link(
    app, admin_client, show_admin, other_show
):
    first = link_in(invite_as_instance_admin(admin_client, is_admin="y").get_data(as_text=True))
    response = add_member(show_admin, other_show)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="one-time-link"' not in page and "/studio/account/" not in page
    assert "is already invited" in page
    # The instance admin's link still works, and the person has the new role too.
    person = take_over(app, first)
    assert person is not None, "the first link must keep working"
    assert person.get("/studio/admin/").status_code == 200
    assert person.get(f"/studio/{other_show}/").status_code == 200


def test_a_show_admins_link_stops_working_when_the_account_gains_more_rights(
    app, admin_client, show_admin, other_show
):
    """The reverse order: the first link was the show admin's; making the account an instance
    admin must not leave that show admin holding a key to it."""
    show_admins_link = link_in(add_member(show_admin, other_show).get_data(as_text=True))
    refused = invite_as_instance_admin(admin_client, is_admin="y")
    assert refused.status_code == 409
    assert "was invited by someone with fewer rights" in refused.get_data(as_text=True)
    assert 'id="one-time-link"' not in refused.get_data(as_text=True)
    # The instance admin makes a new link on purpose (the users page's reset button) ...
    from app.services.users import find_user

    with app.app_context():
        user_id = find_user(NEW).id
    page = admin_client.post(
        f"/studio/admin/users/{user_id}/reset",
        data={"csrf_token": token_of(admin_client), "value": "1"},
    ).get_data(as_text=True)
    admins_link = link_in(page)
    # ... then gives the rights; the show admin's link no longer opens the account.
    assert invite_as_instance_admin(admin_client, is_admin="y").status_code == 200
    assert take_over(app, show_admins_link) is None
    person = take_over(app, admins_link)
    assert person is not None and person.get("/studio/admin/").status_code == 200


def test_a_link_stops_working_when_its_maker_no_longer_holds_the_accounts_rights(
    app, admin_client, show_admin, other_show, show
):
    """Rights given another way (the users page's role form) are checked when the link is used."""
    show_admins_link = link_in(add_member(show_admin, other_show).get_data(as_text=True))
    from app.services.users import find_user

    with app.app_context():
        user_id = find_user(NEW).id
    admin_client.post(
        f"/studio/admin/users/{user_id}/role",
        data={"csrf_token": token_of(admin_client), "show": show, "role": "admin"},
    )
    assert take_over(app, show_admins_link) is None


def test_a_second_show_admin_neither_replaces_nor_sees_the_first_link(
    app, show_admin, other_show, show
):
    first = link_in(add_member(show_admin, other_show).get_data(as_text=True))
    member(app, show, "annan-chef@example.org", "admin")
    second_admin = client_as(app, "annan-chef@example.org")
    refused = add_member(second_admin, show)
    # The first link's maker does not hold a role on the second show: no new rights, no link.
    assert refused.status_code == 409
    assert "/studio/account/" not in refused.get_data(as_text=True)
    person = take_over(app, first)
    assert person is not None
    assert person.get(f"/studio/{show}/").status_code == 404, "the refused role was not given"


def test_the_same_show_admin_inviting_again_does_not_replace_the_link(app, show_admin, other_show):
    first = link_in(add_member(show_admin, other_show).get_data(as_text=True))
    again = add_member(show_admin, other_show, "editor").get_data(as_text=True)
    assert "/studio/account/" not in again and "is already invited" in again
    assert take_over(app, first) is not None


def test_a_new_person_still_gets_a_link_from_a_show_admin(app, show_admin, other_show):
    link = link_in(add_member(show_admin, other_show).get_data(as_text=True))
    person = take_over(app, link)
    assert person is not None and person.get(f"/studio/{other_show}/").status_code == 200
    assert person.get("/studio/admin/").status_code == 403


def test_an_expired_instance_admin_invitation_is_not_renewed_by_a_show_admin(
    app, admin_client, show_admin, other_show
):
    from sqlalchemy import update

    from app.extensions import db
    from app.models import AccountToken, utcnow

    first = link_in(invite_as_instance_admin(admin_client, is_admin="y").get_data(as_text=True))
    with app.app_context():
        db.session.execute(update(AccountToken).values(expires_at=utcnow()))
        db.session.commit()
    page = add_member(show_admin, other_show).get_data(as_text=True)
    assert "/studio/account/" not in page
    assert "only an instance admin can make them a new link" in page
    assert take_over(app, first) is None
    renewed = link_in(invite_as_instance_admin(admin_client, is_admin="y").get_data(as_text=True))
    assert take_over(app, renewed) is not None


def test_the_show_admin_is_told_in_swedish(app, admin_client, show_admin, other_show):
    invite_as_instance_admin(admin_client, is_admin="y")
    show_admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    page = add_member(show_admin, other_show).get_data(as_text=True)
    assert f"{NEW} är redan inbjuden" in page
    assert "Länken de fick tidigare fungerar fortfarande" in page
