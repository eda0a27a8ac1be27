"""Fixtures the attack tests share with the studio tests and the bad-input walk.

``world`` (tests/app/test_bad_input.py) holds one of everything a route can
name, with real ids; the header walk asks every route about it. ``unset_app``
is the app on the embedded default's public address.
"""

from __future__ import annotations

import pytest

from tests.app.conftest import fresh_app
from tests.app.studio.conftest import admin, admin_client, episode_id  # noqa: F401
from tests.app.test_bad_input import world  # noqa: F401


@pytest.fixture
def unset_app(app_config: dict):
    """The app as ``make demo`` runs it: PUBLIC_BASE_URL left unset, on either backend."""
    yield from fresh_app(
        {key: value for key, value in app_config.items() if key != "PUBLIC_BASE_URL"}
    )
