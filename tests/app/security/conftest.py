"""Fixtures the attack tests share with the studio tests and the bad-input walk.

``world`` (tests/app/test_bad_input.py) holds one of everything a route can
name, with real ids; the header walk asks every route about it.
"""

from tests.app.studio.conftest import admin, admin_client, episode_id  # noqa: F401
from tests.app.test_bad_input import world  # noqa: F401
