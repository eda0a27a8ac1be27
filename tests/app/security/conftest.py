"""The studio's account fixtures (an instance admin and its client) for the attack tests."""

from tests.app.studio.conftest import admin, admin_client, episode_id  # noqa: F401
