"""In Swedish, in headless Chromium: an admin invites a producer, who sets a password and logs in.

Every studio page of accounts, admin and settings is also checked with axe-core.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from app.services.users import create_user
from tests.app.conftest import PASSWORD
from tests.support import browser as support
from tests.support.browser import axe_violations

ADMIN = "admin@example.org"
NEW_PASSWORD = "producentens eget lösenord"


@pytest.fixture
def studio_site(app, show) -> Iterator[support.LiveServer]:
    with app.app_context():
        create_user(ADMIN, PASSWORD, is_admin=True)
    with support.serve(app) as server:
        app.config["PUBLIC_BASE_URL"] = server.url
        yield server


def log_in(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/studio/login")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


def test_invite_set_password_and_log_in_in_swedish(page, studio_site):
    base = studio_site.url
    log_in(page, base, ADMIN, PASSWORD)
    assert page.locator("html").get_attribute("lang") == "sv"
    page.get_by_role("link", name="Användare").click()
    page.get_by_label("E-post").fill("producent@example.org")
    page.get_by_label("Podd", exact=True).select_option("testpodden")
    page.get_by_label("Roll i podden").select_option("editor")
    page.get_by_role("button", name="Skapa inbjudningslänken").click()
    assert page.get_by_role(
        "heading", name="Inbjudningslänk för producent@example.org"
    ).is_visible()
    link = page.get_by_role("textbox", name="Länk").input_value()
    assert link.startswith(base + "/studio/account/")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Logga ut").click()
    assert page.get_by_text("Du är utloggad.").is_visible()

    page.goto(link)
    assert page.get_by_role("heading", name="Välkommen till studion").is_visible()
    page.get_by_label("Nytt lösenord").fill("kort")
    page.get_by_label("Samma lösenord igen").fill("kort")
    page.get_by_role("button", name="Spara lösenordet").click()
    assert page.get_by_text("Lösenordet måste vara minst 10 tecken långt.").is_visible()
    page.get_by_label("Nytt lösenord").fill(NEW_PASSWORD)
    page.get_by_label("Samma lösenord igen").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Spara lösenordet").click()
    assert page.get_by_text("Ditt lösenord är sparat. Logga in med det nu.").is_visible()
    assert page.get_by_label("E-post").input_value() == "producent@example.org"

    page.get_by_label("Lösenord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    assert page.get_by_role("heading", name="Dina poddar").is_visible()
    page.get_by_role("link", name="Testpodden", exact=True).click()
    assert page.get_by_role("link", name="Ladda upp ett nytt avsnitt").is_visible()
    # an editor is no show admin
    assert page.get_by_role("link", name="Inställningar").count() == 0

    page.goto(link)  # the link worked once
    assert page.get_by_role("heading", name="Länken fungerar inte").is_visible()


def test_language_switcher_by_keyboard(page, studio_site):
    page.goto(studio_site.url + "/studio/login")
    page.get_by_role("button", name="English").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Log in").is_visible()


PAGES = (
    "/studio/login",
    "/studio/",
    "/studio/testpodden/",
    "/studio/testpodden/settings",
    "/studio/testpodden/members",
    "/studio/admin/",
    "/studio/admin/shows/new",
)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_studio_pages_have_no_axe_violations(page, studio_site, scheme):
    page.emulate_media(color_scheme=scheme)
    failures = {}
    for path in PAGES:
        if path == "/studio/":
            log_in(page, studio_site.url, ADMIN, PASSWORD)
        page.goto(studio_site.url + path)
        assert page.url.endswith(path), page.url
        violations = axe_violations(page)
        if violations:
            failures[path] = violations
    # a refused form, with its errors beside the fields
    page.goto(studio_site.url + "/studio/testpodden/settings")
    page.get_by_label("Titel", exact=True).fill("")
    page.get_by_role("button", name="Spara inställningarna").click()
    assert page.locator("#title-error").is_visible()
    if violations := axe_violations(page):
        failures["settings with errors"] = violations
    # a person row without a name, and then a directory link that is no https address:
    # each error beside its own input, which is described by it
    page.goto(studio_site.url + "/studio/testpodden/settings")
    page.get_by_label("Roll 1", exact=True).select_option("host")
    page.get_by_role("button", name="Spara inställningarna").click()
    name = page.get_by_role("textbox", name="Namn 1", exact=True)
    assert name.get_attribute("aria-invalid") == "true"
    assert page.locator("#persons-0-name-error").inner_text() == "Varje person behöver ett namn."
    assert page.get_by_label("Roll 1", exact=True).input_value() == "host"
    if violations := axe_violations(page):
        failures["settings with a person error"] = violations
    page.get_by_label("Roll 1", exact=True).select_option("")
    page.get_by_label("Spotify").fill("ftp://spotify.example/show")
    page.get_by_role("button", name="Spara inställningarna").click()
    link = page.get_by_label("Spotify")
    assert link.get_attribute("aria-describedby") == "link_spotify-error"
    assert page.locator("#link_spotify-error").is_visible()
    if violations := axe_violations(page):
        failures["settings with a link error"] = violations
    page.goto(studio_site.url + "/studio/finns-inte/")
    assert page.get_by_role("heading", name="Hittades inte").is_visible()
    if violations := axe_violations(page):
        failures["not found"] = violations
    page.goto(studio_site.url + "/studio/account/ogiltig")
    if violations := axe_violations(page):
        failures["invalid link"] = violations
    assert failures == {}


def test_studio_pages_are_valid_html(app, studio_site, tmp_path):
    from tests.app.conftest import csrf_token
    from tests.app.conftest import log_in as client_log_in
    from tests.app.studio.test_settings import form_of
    from tests.conftest import missing_service
    from tests.support.browser import vnu_errors

    client = app.test_client()
    files = [tmp_path / "login.html"]
    files[0].write_bytes(client.get("/studio/login").data)
    client_log_in(client, ADMIN)
    for number, path in enumerate(PAGES[1:]):
        files.append(tmp_path / f"page-{number}.html")
        files[-1].write_bytes(client.get(path).data)
    invited = client.post(
        "/studio/admin/users/invite",
        data={"csrf_token": csrf_token(client, "/studio/admin/"), "email": "ny@example.org"},
    )
    files.append(tmp_path / "invited.html")
    files[-1].write_bytes(invited.data)
    link = re.search(r'id="one-time-link" readonly value="([^"]+)"', invited.get_data(as_text=True))
    person_error = form_of(client)
    person_error.update({"person_name": ["", "", ""], "person_role": ["host", "", ""]})
    refused = client.post("/studio/testpodden/settings", data=person_error)
    assert refused.status_code == 422
    files.append(tmp_path / "settings-person-error.html")
    files[-1].write_bytes(refused.data)
    files.append(tmp_path / "not-found.html")
    files[-1].write_bytes(client.get("/studio/finns-inte/").data)
    for name, path in (("welcome", link.group(1)), ("invalid-link", "/studio/account/x")):
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(app.test_client().get(path.replace(studio_site.url, "")).data)
    try:
        errors = vnu_errors(files)
    except FileNotFoundError as exc:
        missing_service(str(exc))
    assert errors == []
