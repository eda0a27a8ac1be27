"""Recording download hits and turning them into daily counts.

Every request for an episode's audio becomes one row, so two web processes
never lose a hit to each other: the database orders the inserts. Counting
rules are judged when the hit is recorded; deduplication (one listener,
agent and episode per UTC day, the IAB's fixed-day window) when hits are
aggregated.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from app.analytics.agents import user_agents
from app.analytics.clients import client_address, listener_hash, network_key
from app.analytics.geo import country_of
from app.analytics.rules import Delivery, exclusion_reason, is_apple_watch
from app.extensions import db
from app.models import DailyCountryDownloads, DailyDownloads, DownloadHit, DownloadSalt, utcnow
from app.services.analytics_buffer import flush_hits, hit_buffer
from app.services.errors import InvalidInput
from app.services.files import MediaFile
from app.services.shows import get_show

log = logging.getLogger(__name__)

MAX_PREFIX_LENGTH = 255
# Any constant will do: it only has to be the same in every process.
AGGREGATION_LOCK = 60062026


@dataclass(frozen=True)
class MediaRequest:
    """What the web layer knows of one request, handed over without the request itself."""

    method: str
    remote_addr: str | None
    forwarded_for: str | None
    user_agent: str
    served: tuple[int, int] | None


def record_hit(media: MediaFile, request: MediaRequest, now: datetime | None = None) -> str | None:
    """Store one hit; returns the reason it does not count, or None when it does.

    The address is reduced and hashed here, and its country looked up, and goes
    no further: no row and no log line ever holds it. With ``ANALYTICS_BUFFER_SECONDS`` above zero
    the row is queued and written with others (see ``analytics_buffer``).
    """
    now = now or utcnow()
    agent = user_agents(current_app.config["USER_AGENTS_DIR"]).classify(request.user_agent)
    address = client_address(
        request.remote_addr, request.forwarded_for, current_app.config["TRUSTED_PROXIES"]
    )
    delivery = Delivery(
        method=request.method,
        served=request.served,
        size=media.size,
        duration=media.duration,
        requested_at=now,
        published_at=media.published_at,
        is_bot=agent.is_bot,
        apple_watch=is_apple_watch(agent.device, request.user_agent),
    )
    row = {
        "episode_id": media.episode_id,
        "day": now.date(),
        "requested_at": now,
        "listener": listener_hash(day_salt(now.date()), network_key(address), request.user_agent),
        "app": agent.name[:100],
        "platform": agent.device[:100],
        "reason": exclusion_reason(delivery),
        "country": country_of(address),
    }
    if current_app.config["ANALYTICS_BUFFER_SECONDS"] > 0:
        hit_buffer().add(row)
    else:
        db.session.execute(insert(DownloadHit), [row])
        db.session.commit()
    return row["reason"]


def day_salt(day: date) -> str:
    """The salt of ``day``, made once by whichever process needs it first.

    Salts of earlier days are deleted as soon as a new day's exists, so a
    stored hash can no longer be tied to an address by trying them all.
    The value is cached per process: a day's salt never changes.
    """
    cache = current_app.extensions.setdefault("download_salts", {})
    if day not in cache:
        cache.clear()
        cache[day] = _load_or_create_salt(day)
    return cache[day]


def _load_or_create_salt(day: date) -> str:
    salt = db.session.get(DownloadSalt, day)
    if salt is not None:
        return salt.salt
    try:
        db.session.add(DownloadSalt(day=day, salt=secrets.token_hex(32)))
        db.session.execute(delete(DownloadSalt).where(DownloadSalt.day < day))
        db.session.commit()
    except IntegrityError:
        # Another process made it first; theirs is the one everybody uses.
        db.session.rollback()
    return db.session.get(DownloadSalt, day, populate_existing=True).salt


def aggregate_downloads(now: datetime | None = None, retention_days: int | None = None) -> int:
    """Recompute the daily counts of every day that still has raw hits; drop expired hits.

    Idempotent: each day present in the raw hits is deleted and rebuilt in
    one transaction, so running it twice, or after a crash, gives the same
    rows. Hits past the retention period go only after their day is counted.
    Returns the number of raw hits removed.
    """
    now = now or utcnow()
    retention_days = retention_days or current_app.config["ANALYTICS_RETENTION_DAYS"]
    flush_hits()
    _lock_aggregation()
    days = select(DownloadHit.day).distinct().scalar_subquery()
    # Writing first takes SQLite's write lock before anything is read.
    db.session.execute(delete(DailyDownloads).where(DailyDownloads.day.in_(days)))
    db.session.execute(delete(DailyCountryDownloads).where(DailyCountryDownloads.day.in_(days)))
    counts, countries = _daily_counts()
    if counts:
        db.session.execute(
            insert(DailyDownloads),
            [
                {"day": d, "episode_id": e, "app": a, "platform": p, "downloads": n}
                for (d, e, a, p), n in counts.items()
            ],
        )
        db.session.execute(
            insert(DailyCountryDownloads),
            [
                {"day": d, "episode_id": e, "country": c, "downloads": n}
                for (d, e, c), n in countries.items()
            ],
        )
    cutoff = now.date() - timedelta(days=retention_days)
    removed = db.session.execute(delete(DownloadHit).where(DownloadHit.day < cutoff)).rowcount
    db.session.execute(delete(DownloadSalt).where(DownloadSalt.day < now.date()))
    db.session.commit()
    return removed


def _lock_aggregation() -> None:
    """On PostgreSQL two aggregations at once would insert the same rows; take turns."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AGGREGATION_LOCK})


def _daily_counts() -> tuple[Counter[tuple[date, int, str, str]], Counter[tuple[date, int, str]]]:
    """One download per listener, episode and day, credited to the listener's app and
    platform, and apart to their country.

    The listener hash already covers the user agent, so its app is one; the
    minimum only settles a change of the pattern lists (or of the country table,
    or of an address within the listener's network) in mid-day.
    """
    rows = db.session.execute(
        select(
            DownloadHit.day,
            DownloadHit.episode_id,
            func.min(DownloadHit.app),
            func.min(DownloadHit.platform),
            func.min(DownloadHit.country),
        )
        .where(DownloadHit.reason.is_(None))
        .group_by(DownloadHit.day, DownloadHit.episode_id, DownloadHit.listener)
    )
    by_agent: Counter[tuple[date, int, str, str]] = Counter()
    by_country: Counter[tuple[date, int, str]] = Counter()
    for day, episode, app, platform, country in rows:
        by_agent[(day, episode, app, platform)] += 1
        by_country[(day, episode, country or "")] += 1
    return by_agent, by_country


def set_analytics_prefix(slug: str, prefix: str) -> str | None:
    """Put an OP3, Podtrac or similar prefix in front of the show's enclosure URLs.

    An empty value removes it.

    :raise NotFound: for an unknown show.
    :raise InvalidInput: for anything but an http(s) URL ending in ``/``.
    """
    show = get_show(slug)
    prefix = prefix.strip()
    if prefix:
        _check_prefix(prefix)
    show.analytics_prefix = prefix or None
    db.session.commit()
    return show.analytics_prefix


def _check_prefix(prefix: str) -> None:
    """The real URL's ``host/path`` is appended, so a prefix must end where a path starts."""
    if len(prefix) > MAX_PREFIX_LENGTH:
        raise InvalidInput(
            gettext("The prefix may be at most %(count)d characters.", count=MAX_PREFIX_LENGTH),
            "prefix",
        )
    if not prefix.startswith(("https://", "http://")) or any(c in prefix for c in " ?#\"'<>"):
        raise InvalidInput(
            gettext(
                "The prefix must be a web address such as https://op3.dev/e/ with no spaces, "
                "query or fragment."
            ),
            "prefix",
        )
    if not prefix.endswith("/"):
        raise InvalidInput(
            gettext("The prefix must end with “/”, for example https://op3.dev/e/."), "prefix"
        )
