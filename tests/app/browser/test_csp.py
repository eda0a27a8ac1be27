"""The security headers in a real browser: no page is broken by its own CSP (issue 12).

Chromium reports every resource, script, style or frame its CSP refuses on
the console; each page here is opened, its script given a moment to run, and
no such report may appear. The header walk (tests/app/security/test_headers.py)
checks the headers themselves; this checks the pages still work under them.
"""

from __future__ import annotations

import pytest

from tests.app.conftest import PASSWORD
from tests.app.studio.conftest import member

ADMIN = "csp-admin@example.org"


@pytest.fixture
def refusals(page) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: seen.append(f"script error: {error}"))
    return seen


def test_pages_load_under_their_csp(app, page, site, show, refusals):
    from app.services.users import find_user

    member(app, show, ADMIN, "admin")
    with app.app_context():
        from app.extensions import db

        find_user(ADMIN).is_admin = True
        db.session.commit()
    public = [f"/{show}/", f"/{show}/episodes/avsnitt-1", f"/embed/{show}/avsnitt-1", "/search?q=a"]
    for path in public:
        page.goto(site.url + path)
        page.wait_for_timeout(300)
    page.goto(site.url + "/studio/login")
    page.fill("input[name=email]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/studio/")
    from app.services.shows import get_show

    with app.app_context():
        episode_id = get_show(show).episodes[0].id
    studio = [
        "/studio/",
        f"/studio/{show}/",
        f"/studio/{show}/episodes/new",
        f"/studio/{show}/episodes/{episode_id}/edit",
        f"/studio/{show}/episodes/{episode_id}/preview",
        f"/studio/{show}/settings",
        f"/studio/{show}/members",
        f"/studio/{show}/analytics",
        f"/studio/{show}/import",
        "/studio/import",
        "/studio/admin/",
    ]
    for path in studio:
        response = page.goto(site.url + path)
        assert response.status in (200, 404), (path, response.status)
        page.wait_for_timeout(300)
    assert refusals == []
