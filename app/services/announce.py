"""Announcing changed feeds: WebSub hub pings and, when configured, Podping.

Two paths lead here. Right after a commit that changed a show's feed data
(see ``feed_cache``), a background thread of the same process rebuilds that
show's feed and announces it if its bytes changed, so a hub hears of an edit
within a second or two without slowing the request that made it. The
``worker`` process runs ``announce_changed_feeds`` every 30 seconds for what no
commit causes, a scheduled episode going live, and as the retry for pings that
failed or a process that died before sending them.

``feed_cache.notified_etag`` is what was last announced, shared through the
database, so processes agree on what is still to announce. A ping is recorded
only after the hub accepted it: an announcement may be sent twice when two
processes race, which hubs and Podping ignore, but is never lost.
"""

from __future__ import annotations

import atexit
import ipaddress
import logging
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models import FeedCache, Show, utcnow
from app.services.feed import cached_feed
from app.services.feed_cache import ANNOUNCING
from app.urls import feed_url
from feeds.ping import PingError, podping, websub_publish

log = logging.getLogger(__name__)

_EXTENSION_KEY = "podhost.announcer"
# How long a process that is exiting waits for announcements still under way.
EXIT_WAIT_SECONDS = 10.0


def announce_changed_feeds(now: datetime | None = None) -> list[str]:
    """Refresh every show's feed and announce those that changed; returns their slugs.

    A failed ping leaves the feed unannounced, so the next run tries again.
    """
    slugs = db.session.scalars(select(Show.slug).order_by(Show.slug)).all()
    return [slug for slug in slugs if _announce(slug, now or utcnow())]


def announce_shows(show_ids: Iterable[int], now: datetime | None = None) -> list[str]:
    """The same for the given shows only: what a commit just changed."""
    slugs = db.session.scalars(
        select(Show.slug).where(Show.id.in_(list(show_ids))).order_by(Show.slug)
    ).all()
    return [slug for slug in slugs if _announce(slug, now or utcnow())]


def _announce(slug: str, now: datetime) -> bool:
    """Bring the main feed up to date; ping if its bytes are not the ones last announced.

    True when a ping went out.
    """
    rendered = cached_feed(slug, now=now)
    row = db.session.execute(
        select(FeedCache.show_id, FeedCache.notified_etag)
        .join(Show, Show.id == FeedCache.show_id)
        .where(Show.slug == slug, FeedCache.page == 1)
    ).first()
    if row is None or row.notified_etag == rendered.etag:
        return False
    try:
        sent = _ping(feed_url(db.session.get(Show, row.show_id)))
    except PingError as exc:
        log.warning("could not announce %s: %s", slug, exc)
        return False
    db.session.execute(
        update(FeedCache)
        .where(FeedCache.show_id == row.show_id, FeedCache.page == 1)
        .values(notified_etag=rendered.etag)
    )
    db.session.commit()
    return sent


def _ping(url: str) -> bool:
    """Tell the hub and Podping; False when there was no one to tell.

    A feed on a loopback address is no one else's to fetch, so a local demo
    announces nothing to the public hub.

    :raise PingError: when the hub or Podping refuses.
    """
    if is_loopback(url):
        log.info("not announcing %s: a loopback address", url)
        return False
    config = current_app.config
    if config.get("WEBSUB_HUB_URL"):
        websub_publish(config["WEBSUB_HUB_URL"], url)
    if config.get("PODPING_TOKEN"):
        podping(config["PODPING_URL"], config["PODPING_TOKEN"], url)
    return True


def is_loopback(url: str) -> bool:
    """Whether the URL names this machine, which no hub can reach.

    >>> is_loopback("http://127.0.0.1:5000/a/feed.xml"), is_loopback("https://podd.malmo.se/")
    (True, False)
    """
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def announce_soon(show_ids: set[int]) -> None:
    """After a commit: announce these shows' feeds from a background thread.

    Only queues work, so it costs the request nothing. Nothing happens when
    ``ANNOUNCE_ON_COMMIT`` is off or there is no hub and no Podping token.
    """
    config = current_app.config
    if not config.get("ANNOUNCE_ON_COMMIT") or not (
        config.get("WEBSUB_HUB_URL") or config.get("PODPING_TOKEN")
    ):
        return
    announcer(current_app._get_current_object()).submit(show_ids, _base_url())


def _base_url() -> str:
    """The configured public address; never the request's host (app.urls)."""
    from app.urls import public_base_url

    return public_base_url() + "/"


def announcer(app: Flask) -> Announcer:
    """The app's announcer, made on first use; its thread starts with the first job."""
    found = app.extensions.get(_EXTENSION_KEY)
    if found is None:
        found = app.extensions.setdefault(_EXTENSION_KEY, Announcer(app))
    return found


class Announcer:
    """One background thread per app that announces the shows queued by commits.

    Shows queued while it works are merged into its next round, so a burst of
    edits costs one rebuild and at most one ping per show.
    """

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._pending: dict[int, str] = {}  # show id -> base URL of the change
        self._busy = False
        self._stopped = False
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, show_ids: Iterable[int], base_url: str) -> None:
        with self._condition:
            if self._stopped:
                return
            self._pending.update(dict.fromkeys(show_ids, base_url))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="podhost-announcer", daemon=True
                )
                self._thread.start()
                atexit.register(self.wait_idle, EXIT_WAIT_SECONDS)
            self._condition.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or under way; False when ``timeout`` ran out."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._pending or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
        return True

    def stop(self, timeout: float = EXIT_WAIT_SECONDS) -> None:
        """Finish what is queued, then end the thread (tests; a process exits without it)."""
        self.wait_idle(timeout)
        with self._condition:
            self._stopped = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            atexit.unregister(self.wait_idle)

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._pending and not self._stopped:
                    self._condition.wait()
                if self._stopped:
                    return
                batch, self._pending, self._busy = self._pending, {}, True
            try:
                self._announce(batch)
            except Exception:  # the thread must live on; the worker retries what failed
                log.exception("announcing feeds after a change failed")
            finally:
                with self._condition:
                    self._busy = False
                    self._condition.notify_all()

    def _announce(self, batch: dict[int, str]) -> None:
        by_base: dict[str, set[int]] = {}
        for show_id, base in batch.items():
            by_base.setdefault(base, set()).add(show_id)
        for base, show_ids in by_base.items():
            with self._app.test_request_context(base_url=base):
                db.session.info[ANNOUNCING] = True
                for slug in announce_shows(show_ids):
                    log.info("announced %s", slug)
