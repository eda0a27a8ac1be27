"""Attack 6 of issue 12: the security headers, on every answer of every route.

The walk reads ``app.url_map`` (through tests/app/test_bad_input.py's world:
a show, a published episode, an alternate format, a member, an upload under
way and an unused invitation), so a route added later is covered without
touching this file. Each route is asked as the instance admin with real
values, as a stranger, and with values that do not exist (the error pages);
routes that change things are asked without a CSRF token, so nothing changes.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.app.test_bad_input import RULES, World, url_of

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name.lower()] = values
    return out


def problems(method: str, url: str, response, app) -> list[str]:
    """What is missing or wrong in one answer's headers (and, for HTML, its markup)."""
    found = []
    headers = response.headers
    path = urlsplit(url).path
    if headers.get("X-Content-Type-Options") != "nosniff":
        found.append("no X-Content-Type-Options: nosniff")
    if not headers.get("Referrer-Policy"):
        found.append("no Referrer-Policy")
    if response.mimetype == "text/html":
        found += html_problems(path, headers, response.get_data(as_text=True), app)
    return [f"{method} {url[:100]} ({response.status_code}): {p}" for p in found]


def html_problems(path: str, headers, page: str, app) -> list[str]:
    found = []
    policy = headers.get("Content-Security-Policy")
    if not policy:
        return ["an HTML page without Content-Security-Policy"]
    csp = directives(policy)
    scripts = csp.get("script-src", csp.get("default-src"))
    if scripts is None or "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts:
        found.append(f"script-src allows inline code: {policy}")
    if "frame-ancestors" not in csp:
        found.append("no frame-ancestors")
    if path == "/studio" or path.startswith("/studio/"):
        if csp.get("frame-ancestors") not in (["'none'"], ["'self'"]):
            found.append(f"the studio may be framed: {policy}")
        if headers.get("X-Frame-Options") not in ("DENY", "SAMEORIGIN"):
            found.append("the studio without X-Frame-Options")
        if "no-store" not in headers.get("Cache-Control", ""):
            found.append("the studio without Cache-Control: no-store")
    elif path.startswith("/embed/"):
        allowed = list(app.config["EMBED_ALLOWED_ORIGINS"]) or ["*"]
        if csp.get("frame-ancestors") != allowed:
            found.append(f"the embed's frame-ancestors is not EMBED_ALLOWED_ORIGINS: {policy}")
    elif csp.get("frame-ancestors") not in (["'none'"], ["'self'"]):
        found.append(f"a site page may be framed anywhere: {policy}")
    for name, pattern in (
        ("an inline script", INLINE_SCRIPT),
        ("an event handler attribute", EVENT_HANDLER),
        ("a javascript: URL", JAVASCRIPT_URL),
    ):
        match = pattern.search(page)
        if match:
            found.append(f"{name}, which the CSP blocks: {match.group(0)[:80]}")
    if "'unsafe-inline'" not in csp.get("style-src", []):
        match = STYLE_ATTRIBUTE.search(page) or re.search(r"<style[\s>]", page)
        if match:
            found.append(f"inline style, which the CSP blocks: {match.group(0)[:80]}")
    return found


def test_every_route_sends_the_security_headers(app, world: World):
    stranger = app.test_client()
    failures: list[str] = []
    html_pages = 0
    for rule, method, endpoint in RULES:
        for who, client, values in (
            ("admin", world.client, world.real),
            ("stranger", stranger, world.real),
            ("admin", world.client, world.missing),
        ):
            url = url_of(rule, endpoint, app, values, world)
            # No CSRF token: a POST is refused before it changes anything (logout too).
            response = client.open(url, method=method)
            html_pages += response.mimetype == "text/html"
            failures += [f"[{who}] {p}" for p in problems(method, url, response, app)]
            response.close()
    assert html_pages > 50, "the walk reached the pages"
    assert not failures, "\n".join(failures)


def test_feed_polls_answered_ahead_of_flask_get_them_too(app, client, world: World):
    url = f"/{world.real['show_slug']}/feed.xml"
    first, second = client.get(url), client.get(url)  # the second from the fast path's copy
    assert second.headers["ETag"] == first.headers["ETag"]
    for response in (first, second):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]


def test_media_and_artwork_are_not_sniffed(app, client, world: World):
    key = world.real["key"]
    for headers in ({}, {"Range": "bytes=0-99"}):
        response = client.get(f"/media/{key}", headers=headers)
        assert response.status_code in (200, 206, 302), response.status_code
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/studio/login", "/studio/"])
def test_studio_pages_refuse_framing_and_caching(app, client, world: World, path):
    response = world.client.get(path)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
