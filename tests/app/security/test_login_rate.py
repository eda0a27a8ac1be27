"""Attack 9 of issue 12: the login rate limit cannot be raced, and one NAT cannot lock out all.

Twelve wrong passwords for one account arrive at once over real HTTP, split
between two servers that share the database as two web processes (or two
machines) do. Only a checked password answers 401; at most five may be.
"""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import LoginFailure
from tests.app.conftest import log_in
from tests.app.studio.conftest import member
from tests.support.browser import serve

ATTEMPTS = 12


class Browser:
    """One browser: its own cookies, the login form's CSRF token, then one POST."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = self.opener.open(f"{base_url}/studio/login", timeout=30).read().decode()
        self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def log_in(self, email: str, password: str) -> int:
        body = urllib.parse.urlencode(
            {"email": email, "password": password, "csrf_token": self.token}
        ).encode()
        try:
            return self.opener.open(f"{self.base_url}/studio/login", body, timeout=60).status
        except urllib.error.HTTPError as answer:
            return answer.code


def test_twelve_concurrent_wrong_passwords_are_at_most_five_checked(app, app_config, producer):
    second_process = create_app(app_config)
    try:
        with serve(app) as first, serve(second_process) as second:
            browsers = [Browser((first, second)[n % 2].url) for n in range(ATTEMPTS)]
            start = threading.Barrier(ATTEMPTS)
            statuses: list[int] = []

            def attack(browser: Browser) -> None:
                start.wait()
                statuses.append(browser.log_in(producer, "fel lösenord!"))

            threads = [threading.Thread(target=attack, args=(b,)) for b in browsers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            counts = Counter(statuses)
            assert sum(counts.values()) == ATTEMPTS, counts
            assert set(counts) <= {401, 429}, counts
            assert counts[401] <= 5, f"{counts[401]} passwords were checked: {counts}"
            # The refused ones left nothing behind; the checked ones are the failures kept.
            with app.app_context():
                kept = db.session.scalar(select(func.count()).select_from(LoginFailure))
            assert kept == counts[401]
            # Whatever the race left, the account is locked once five have been checked.
            for _ in range(5 - counts[401]):
                assert Browser(first.url).log_in(producer, "fel lösenord!") == 401
            assert Browser(second.url).log_in(producer, "fel lösenord!") == 429
    finally:
        with second_process.app_context():
            db.session.remove()
            db.engine.dispose()


def test_one_network_locking_itself_out_of_an_account_leaves_others_in(app, client, producer):
    """The limit is kept per account and client: colleagues behind the same NAT still log in,
    and the owner, from another network, is not locked out by someone else's guesses."""
    for _ in range(5):
        assert log_in(client, producer, "fel lösenord!").status_code == 401
    assert log_in(client, producer).status_code == 429
    member(app, "testpodden", "kollega@example.org", "author")
    assert log_in(client, "kollega@example.org").status_code == 302
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert log_in(owner, producer).status_code == 302


def test_guessing_one_account_from_many_networks_is_limited_too(app, producer):
    for network in range(20):
        guesser = app.test_client()
        guesser.environ_base["REMOTE_ADDR"] = f"198.51.100.{network}"
        assert log_in(guesser, producer, "fel lösenord!").status_code == 401
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert log_in(elsewhere, producer).status_code == 429
