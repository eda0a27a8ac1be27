"""Each IAB 2.x rule for one request, with fixed times and sizes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.analytics import rules
from app.analytics.rules import Delivery, exclusion_reason, is_apple_watch, minute_bytes

PUBLISHED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SIZE = 1_200_000  # 10 minutes at 2000 bytes a second
FULL = Delivery(
    method="GET",
    served=(0, SIZE - 1),
    size=SIZE,
    duration=600.0,
    requested_at=PUBLISHED + timedelta(hours=1),
    published_at=PUBLISHED,
    is_bot=False,
    apple_watch=False,
)


def test_a_whole_file_from_an_app_counts():
    assert exclusion_reason(FULL) is None


def test_requests_before_publication_do_not_count():
    early = replace(FULL, requested_at=PUBLISHED - timedelta(seconds=1))
    assert exclusion_reason(early) == rules.UNPUBLISHED
    assert exclusion_reason(replace(FULL, published_at=None)) == rules.UNPUBLISHED
    assert exclusion_reason(replace(FULL, requested_at=PUBLISHED)) is None


def test_bots_and_apple_watch_do_not_count():
    assert exclusion_reason(replace(FULL, is_bot=True)) == rules.BOT
    assert exclusion_reason(replace(FULL, apple_watch=True)) == rules.WATCH


def test_head_and_bodyless_answers_do_not_count():
    assert exclusion_reason(replace(FULL, method="HEAD")) == rules.HEAD
    assert exclusion_reason(replace(FULL, served=None)) == rules.NO_CONTENT


def test_the_two_byte_probe_does_not_count():
    assert exclusion_reason(replace(FULL, served=(0, 1))) == rules.PROBE


@pytest.mark.parametrize(
    ("served", "reason"),
    [
        ((0, 119_998), rules.SHORT),  # one byte short of 60 s at 2000 bytes/s
        ((0, 119_999), None),  # exactly one minute
        ((SIZE - 120_000, SIZE - 1), None),  # the last minute, as a resume would fetch
        ((SIZE - 50_000, SIZE - 1), rules.SHORT),
    ],
)
def test_a_request_must_be_able_to_deliver_a_minute(served, reason):
    assert exclusion_reason(replace(FULL, served=served)) == reason


def test_a_file_shorter_than_a_minute_counts_only_whole():
    short = replace(FULL, size=6000, duration=3.0, served=(0, 5999))
    assert exclusion_reason(short) is None
    assert exclusion_reason(replace(short, served=(100, 5999))) == rules.SHORT
    assert minute_bytes(6000, None) == 6000


def test_apple_watch_is_recognised_by_device_or_words():
    assert is_apple_watch("Apple Watch", "atc/1.0 watchOS/10.0")
    assert is_apple_watch(
        "Other Watch", "Overcast/3.0 (+http://overcast.fm/; Apple Watch podcast app)"
    )
    assert not is_apple_watch(
        "Apple iPhone", "AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4)"
    )
