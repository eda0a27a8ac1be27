"""The IAB Podcast Measurement 2.x rules for whether one request may count.

Plain data in, a reason out; no Flask, no database. Deduplication (one
listener, agent and episode per day) happens when hits are aggregated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MINUTE_OF_AUDIO = 60.0

# Why a hit does not count; None means it does.
UNPUBLISHED = "unpublished"
BOT = "bot"
WATCH = "watch"
HEAD = "head"
NO_CONTENT = "no_content"
PROBE = "probe"
SHORT = "short"


@dataclass(frozen=True)
class Delivery:
    """One request for an episode's audio, as far as the rules care."""

    method: str
    served: tuple[int, int] | None  # first and last byte sent; None when no body is sent
    size: int
    duration: float | None
    requested_at: datetime
    published_at: datetime | None
    is_bot: bool
    apple_watch: bool


def exclusion_reason(delivery: Delivery) -> str | None:
    """The first rule the request breaks, or None when it counts as a download."""
    if delivery.published_at is None or delivery.requested_at < delivery.published_at:
        return UNPUBLISHED
    if delivery.is_bot:
        return BOT
    if delivery.apple_watch:
        return WATCH
    if delivery.method == "HEAD":
        return HEAD
    if delivery.served is None:
        return NO_CONTENT
    if delivery.served == (0, 1):
        return PROBE
    start, end = delivery.served
    if end - start + 1 < minute_bytes(delivery.size, delivery.duration):
        return SHORT
    return None


def is_apple_watch(device: str, user_agent: str) -> bool:
    """Watch downloads duplicate the phone's, so IAB leaves them out.

    The OPAWG device list names the Apple Watch only from some agents;
    others (Overcast's) say so in words.
    """
    return device == "Apple Watch" or "watchOS" in user_agent or "Apple Watch" in user_agent


def minute_bytes(size: int, duration: float | None) -> int:
    """Bytes that hold one minute of audio, from the file's average bitrate.

    A file shorter than a minute must be fetched whole; without a known
    duration only the whole file proves a minute was delivered.
    """
    if not duration or duration <= MINUTE_OF_AUDIO:
        return size
    bytes_per_second = size / duration
    return min(size, int(bytes_per_second * MINUTE_OF_AUDIO))
