"""Job tests use a real queue: the SQLite file in the instance folder, no consumer
unless a test starts one (the Redis tests in ``test_consumers`` start two)."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config(app_config: dict) -> dict:
    return {**app_config, "QUEUE_URL": ""}
