"""Sessions exist under /studio only: public pages, feeds and media never read or write one."""

from __future__ import annotations

from app.sessions import uses_session


def test_only_studio_paths_use_a_session():
    assert uses_session("/studio") and uses_session("/studio/testpodden/")
    assert not uses_session("/") and not uses_session("/testpodden/feed.xml")
    assert not uses_session("/studiox") and not uses_session("/embed/testpodden")


def test_a_logged_in_producer_gets_no_cookie_work_outside_the_studio(studio, show):
    """Same browser, same cookie: the studio sees the login, the feed and pages ignore it."""
    assert studio.get(f"/studio/{show}/").status_code == 200
    for url in (f"/{show}/feed.xml", f"/{show}/", "/"):
        response = studio.get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url
        assert "Cookie" not in response.headers.get("Vary", ""), url
    assert studio.get(f"/studio/{show}/").status_code == 200  # still logged in
