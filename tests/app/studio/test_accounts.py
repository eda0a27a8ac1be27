"""Logging in and out, one-time links, the rate limit, sessions, cookies and language."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from app import create_app
from app.extensions import db
from app.models import AccountToken, LoginFailure, User, utcnow
from app.services import accounts, users
from app.services.errors import InvalidInput
from tests.app.conftest import PASSWORD, csrf_token, log_in
from tests.app.studio.conftest import client_as, database_dump, member, token_of

NEW_PASSWORD = "ett nytt långt lösenord"


@pytest.fixture(autouse=True)
def english(client):
    """Messages are checked in English here; Swedish ones in the language tests."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_passwords_are_scrypt_hashed_and_at_least_ten_characters(app):
    with app.app_context():
        user = users.create_user("anna@example.org", "tio tecken")
        assert user.password_hash.startswith("scrypt:")
        assert "tio tecken" not in user.password_hash
        with pytest.raises(InvalidInput) as refused:
            users.create_user("bo@example.org", "nio tecke")
        assert refused.value.field == "password"


def test_login_logout(app, client, producer):
    assert log_in(client, producer).status_code == 302
    assert client.get("/studio/").status_code == 200
    assert client.get("/studio/logout", follow_redirects=True).status_code in (404, 405)
    assert client.get("/studio/").status_code == 200  # a GET does not log out; only the POST
    response = client.post("/studio/logout", data={"csrf_token": token_of(client)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/studio/login")
    assert "/studio/login" in client.get("/studio/").headers["Location"]


def test_wrong_password_keeps_email_and_says_so_in_english(app, client, producer):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.8"
    response = log_in(client, producer, "fel lösenord!")
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "The email or the password is wrong." in page
    assert f'value="{producer}"' in page
    assert '<html lang="en">' in page


# --- invitations and resets -------------------------------------------------------


def invite_link(app, email: str, **options) -> str:
    with app.app_context(), app.test_request_context():
        invitation = accounts.invite(email, **options)
        return f"/studio/account/{invitation.token}"


def set_password(client, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(
        link,
        data={
            "csrf_token": csrf_token(client, link),
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def test_invitation_sets_password_once(app, client, show):
    link = invite_link(app, "ny@example.org")
    assert log_in(client, "ny@example.org", "").status_code in (400, 401)
    page = client.get(link)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "ny@example.org" in page.get_data(as_text=True)
    response = set_password(client, link)
    assert response.status_code == 302 and "/studio/login" in response.headers["Location"]
    assert log_in(client, "ny@example.org", NEW_PASSWORD).status_code == 302
    other = app.test_client()
    used = other.get(link, headers={"Accept-Language": "en"})
    assert used.status_code == 404
    assert "expired or has already been used" in used.get_data(as_text=True)


def test_token_is_stored_only_as_its_hash(app):
    link = invite_link(app, "ny@example.org")
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 40
    dump = repr(database_dump(app))
    assert token not in dump
    with app.app_context():
        row = db.session.scalar(select(AccountToken))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert row.expires_at - row.created_at == pytest.approx(
            timedelta(days=7), abs=timedelta(seconds=5)
        )


def test_refused_password_leaves_the_link_working(app, client):
    link = invite_link(app, "ny@example.org")
    short = set_password(client, link, "kort")
    assert short.status_code == 422
    assert re.search(
        r'id="password-error">The password must be at least 10', short.get_data(as_text=True)
    )
    mismatch = set_password(client, link, NEW_PASSWORD, "något annat lösenord")
    assert mismatch.status_code == 422
    assert 'id="confirm-error">The two passwords are not the same.' in mismatch.get_data(
        as_text=True
    )
    assert set_password(client, link).status_code == 302


def test_expired_invitation_is_refused(app, client):
    link = invite_link(app, "ny@example.org")
    with app.app_context():
        db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get(link).status_code == 404
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code in (400, 404)
    with app.app_context():
        assert not users.find_user("ny@example.org").has_password


def test_reset_link_lasts_an_hour_and_replaces_the_password(app, client, producer):
    with app.app_context():
        first = accounts.reset_token(producer)
        second = accounts.reset_token(producer)
        row = db.session.scalar(
            select(AccountToken).where(
                AccountToken.token_hash == hashlib.sha256(second.encode()).hexdigest()
            )
        )
        assert row.expires_at - row.created_at == pytest.approx(
            timedelta(hours=1), abs=timedelta(seconds=5)
        )
    assert client.get(f"/studio/account/{first}").status_code == 404  # replaced by the second
    assert log_in(client, producer).status_code == 302  # the old password works until the reset
    client.post("/studio/logout", data={"csrf_token": token_of(client)})
    assert set_password(client, f"/studio/account/{second}").status_code == 302
    assert log_in(client, producer).status_code == 401
    assert log_in(client, producer, NEW_PASSWORD).status_code == 302


def test_new_password_ends_other_sessions(app, client, producer):
    thief = app.test_client()
    assert log_in(thief, producer).status_code == 302
    assert log_in(client, producer).status_code == 302
    with app.app_context():
        link = f"/studio/account/{accounts.reset_token(producer)}"
    assert set_password(app.test_client(), link).status_code == 302
    for old_session in (thief, client):
        response = old_session.get("/studio/")
        assert response.status_code == 302 and "/studio/login" in response.headers["Location"]
    assert log_in(client, producer, NEW_PASSWORD).status_code == 302
    assert client.get("/studio/").status_code == 200


def test_cli_invite_and_reset_link(app, runner, show):
    result = runner.invoke(
        args=["users", "invite", "Cli@Example.org", "--show", show, "--role", "editor"]
    )
    assert result.exit_code == 0, result.output
    link = re.search(r"http://podcasts\.test/studio/account/\S+", result.output).group(0)
    client = app.test_client()
    assert set_password(client, link.replace("http://podcasts.test", "")).status_code == 302
    assert log_in(client, "cli@example.org", NEW_PASSWORD).status_code == 302
    assert client.get(f"/studio/{show}/").status_code == 200
    with app.app_context():
        from app.services.members import role_of
        from app.services.shows import get_show

        assert role_of(users.find_user("cli@example.org"), get_show(show)) == "editor"

    admin = runner.invoke(args=["users", "invite", "chef@example.org", "--admin"])
    assert admin.exit_code == 0 and "/studio/account/" in admin.output
    with app.app_context():
        assert users.find_user("chef@example.org").is_admin

    reset = runner.invoke(args=["users", "reset-link", "cli@example.org"])
    assert reset.exit_code == 0 and "/studio/account/" in reset.output
    unknown = runner.invoke(args=["users", "reset-link", "ingen@example.org"])
    assert unknown.exit_code == 1 and "no active user" in unknown.output


# --- deactivation and sessions -----------------------------------------------------------


def test_deactivated_user_is_logged_out_on_next_request(app, client, producer):
    assert log_in(client, producer).status_code == 302
    with app.app_context():
        db.session.execute(update(User).where(User.email == producer).values(active=False))
        db.session.commit()
    response = client.get("/studio/")
    assert response.status_code == 302 and "/studio/login" in response.headers["Location"]
    assert log_in(client, producer).status_code == 401


def test_session_is_permanent_with_a_lifetime(app, client, producer):
    response = log_in(client, producer)
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie
    assert app.permanent_session_lifetime == timedelta(hours=12)


def test_session_ends_twelve_hours_after_login(app, client, producer):
    log_in(client, producer)
    with client.session_transaction("/studio/") as session:
        session["login_at"] = time.time() - 12 * 3600 - 1
    response = client.get("/studio/")
    assert response.status_code == 302 and "/studio/login" in response.headers["Location"]
    assert client.get("/studio/").status_code == 302  # really logged out, not just redirected once


def test_idle_session_expires(app_config, producer):
    """Flask refuses a session cookie older than the lifetime: an idle producer is logged out."""
    app = create_app({**app_config, "PERMANENT_SESSION_LIFETIME": timedelta(seconds=1)})
    client = app.test_client()
    assert log_in(client, producer).status_code == 302
    time.sleep(2.2)
    assert client.get("/studio/").status_code == 302
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("base", "secure"), [("https://podcasts.malmo.se", True), ("http://localhost", False)]
)
def test_cookie_flags(app_config, producer, base, secure):
    app = create_app({**app_config, "PUBLIC_BASE_URL": base})
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    assert app.config["REMEMBER_COOKIE_SECURE"] is secure
    client = app.test_client()
    cookie = log_in(client, producer).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie.split(";")[1:] or "; Secure" in cookie) is secure
    with app.app_context():
        db.engine.dispose()


# --- rate limit --------------------------------------------------------------------------


def test_five_failures_per_email_then_429(app, client, producer):
    for _ in range(5):
        assert log_in(client, producer, "fel lösenord!").status_code == 401
    response = log_in(client, producer)  # even the right password waits
    assert response.status_code == 429
    assert "Too many failed logins. Wait 15 minutes" in response.get_data(as_text=True)
    # another account from the same address is not locked by these five
    member(app, "testpodden", "annan@example.org", "author")
    assert log_in(client, "annan@example.org").status_code == 302


def test_failures_are_stored_hashed_and_shared_by_processes(app, app_config, client, producer):
    """A second app on the same database (another web process) sees the first one's failures."""
    for _ in range(3):
        log_in(client, producer, "fel lösenord!")
    second_process = create_app(app_config)
    other = second_process.test_client()
    for _ in range(2):
        assert log_in(other, producer, "fel lösenord!").status_code == 401
    assert log_in(other, producer).status_code == 429
    with second_process.app_context():
        db.session.remove()
        db.engine.dispose()
    assert log_in(client, producer).status_code == 429
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM login_failures")).all()
    assert len(rows) == 5
    assert producer not in repr(rows) and "127.0.0.1" not in repr(rows)


def test_fifty_failures_per_client_address(app, client, show):
    """High, as a city hall shares one address: a few typos there must not lock out all."""
    for number in range(50):
        log_in(client, f"gissning{number}@example.org", "fel lösenord!")
    member(app, show, "riktig@example.org", "author")
    assert log_in(client, "riktig@example.org").status_code == 429
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert log_in(elsewhere, "riktig@example.org").status_code == 302


def test_successful_logins_do_not_count(app, client, producer):
    for _ in range(8):
        assert log_in(client, producer).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(LoginFailure)) == 0


def test_old_failures_no_longer_count(app, client, producer):
    for _ in range(5):
        log_in(client, producer, "fel lösenord!")
    with app.app_context():
        db.session.execute(update(LoginFailure).values(failed_at=utcnow() - timedelta(minutes=16)))
        db.session.commit()
    assert log_in(client, producer).status_code == 302


# --- language ------------------------------------------------------------------------------


def test_language_from_browser_then_switcher(app, client, producer):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    page = client.get("/studio/login").get_data(as_text=True)
    assert '<html lang="en">' in page and ">Log in</h1>" in page
    client.post(
        "/studio/language",
        data={
            "csrf_token": csrf_token(client, "/studio/login"),
            "language": "sv",
            "next": "/studio/login",
        },
    )
    page = client.get("/studio/login").get_data(as_text=True)
    assert '<html lang="sv">' in page and ">Logga in</h1>" in page
    assert log_in(client, producer).status_code == 302  # the choice survives the login
    page = client.get("/studio/").get_data(as_text=True)
    assert '<html lang="sv">' in page and "Dina poddar" in page
    # public pages do not read the studio's session
    public = client.get("/testpodden/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in public


def test_studio_dates_follow_locale_and_show_time_zone(app, studio, show, audio_dir):
    from datetime import UTC, datetime

    from app.services.episodes import add_episode

    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as audio:
        add_episode(
            show, audio, title="Avsnitt", published_at=datetime(2025, 1, 2, 13, 5, tzinfo=UTC)
        )
    english = studio.get(f"/studio/{show}/").get_data(as_text=True)
    # 13:05 UTC is 14:05 in Europe/Stockholm (UTC+1 in winter); each locale's own format.
    assert '>Published</span><br><span class="studio-muted">Jan 2, 2025 2:05\u202fPM' in english
    swedish = studio.get(f"/studio/{show}/", headers={"Accept-Language": "sv"}).get_data(
        as_text=True
    )
    assert '>Publicerat</span><br><span class="studio-muted">2 jan. 2025 14:05' in swedish


# --- CSRF ---------------------------------------------------------------------------------

MY_MODULES = ("app.studio.accounts", "app.studio.admin", "app.studio.settings")


def test_every_form_of_mine_refuses_a_post_without_token(app, show, admin, producer):
    """Each POST route of the accounts, admin and settings modules: 400, and nothing changes."""
    client = client_as(app, admin)
    with app.app_context(), app.test_request_context():
        invitation = accounts.invite("ny@example.org")
    values = {"show_slug": show, "user_id": 1, "token": invitation.token}
    posts = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if view.__module__ in MY_MODULES and "POST" in rule.methods:
            posts.append(rule.build({name: values[name] for name in rule.arguments})[1])
    assert len(posts) >= 12
    before = database_dump(app, skip=())
    hostile = {
        "email": "x@example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "role": "admin",
        "value": "0",
        "title": "X",
        "slug": "ny-podd",
        "language": "en",
    }
    for url in posts:
        response = client.post(url, data=hostile)
        assert response.status_code == 400, url
        assert "The form expired" in response.get_data(as_text=True), url
    assert database_dump(app, skip=()) == before
    assert client.get("/studio/").status_code == 200  # still logged in: logout was refused too
