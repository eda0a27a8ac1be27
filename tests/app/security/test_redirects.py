"""Attacks 3 and 4 of issue 12: ``next`` after the login and the language switch stays on site.

Browsers drop tabs and newlines inside a URL and read ``\\`` as ``/``; each of
these values would have left the site, or (CR/LF) broken the ``Location``
header into a 500 after the login cookie was set.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from tests.app.conftest import PASSWORD, csrf_token

HOSTILE = {
    "tab": "/\t/evil.example/",
    "crlf": "/\r\n/evil.example",
    "newline-inside": "/studio/\n/evil.example",
    "double-slash": "//evil.example",
    "backslash": "/\\evil.example",
    "backslash-later": "/studio\\..\\\\evil.example",
    "absolute": "https://evil.example/",
    "scheme-relative-space": "/ /evil.example",
    "no-break-space": "/\u00a0/evil.example",
    "javascript": "javascript:alert(1)",
    "empty": "",
}


def stays_on_site(response) -> None:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    location = response.headers["Location"]
    assert location == "/studio/", location
    assert not urlsplit(location).netloc


@pytest.mark.parametrize("name", HOSTILE)
def test_login_next_goes_to_the_studio(client, producer, name):
    token = csrf_token(client, "/studio/login")
    response = client.post(
        "/studio/login?next=" + quote(HOSTILE[name], safe=""),
        data={"email": producer, "password": PASSWORD, "csrf_token": token},
    )
    stays_on_site(response)
    assert client.get("/studio/").status_code == 200, "the login itself went through"


@pytest.mark.parametrize("name", HOSTILE)
def test_language_switch_next_goes_to_the_studio(client, name):
    token = csrf_token(client, "/studio/login")
    response = client.post(
        "/studio/language", data={"csrf_token": token, "language": "en", "next": HOSTILE[name]}
    )
    stays_on_site(response)


def test_nul_in_next_is_refused_before_any_login(client, producer):
    """app.input_checks refuses a NUL anywhere in a request: no redirect at all."""
    token = csrf_token(client, "/studio/login")
    response = client.post(
        "/studio/login?next=/%00/evil.example",
        data={"email": producer, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 422 and "Location" not in response.headers


def test_a_path_of_the_site_is_followed(client, producer, show):
    token = csrf_token(client, "/studio/login")
    target = f"/studio/{show}/?page=2"
    response = client.post(
        "/studio/login?next=" + quote(target, safe=""),
        data={"email": producer, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and response.headers["Location"] == target
    back = client.post(
        "/studio/language",
        data={"csrf_token": csrf_token(client, "/studio/"), "language": "sv", "next": target},
    )
    assert back.headers["Location"] == target
