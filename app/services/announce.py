"""Announcing changed feeds: WebSub hub pings and, when configured, Podping.

Run by the ``feeds refresh`` worker. It brings each show's main feed up to date
(which also makes scheduled episodes go live) and announces every feed whose
bytes differ from what was last announced. Several workers may run: the worst
case is an announcement sent twice, which hubs and Podping ignore.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import FeedCache, Show, utcnow
from app.services.feed import cached_feed
from app.urls import feed_url
from feeds.ping import PingError, podping, websub_publish

log = logging.getLogger(__name__)


def announce_changed_feeds(now: datetime | None = None) -> list[str]:
    """Refresh every show's feed and announce those that changed; returns their slugs.

    A failed ping leaves the feed unannounced, so the next run tries again.
    """
    announced = []
    for slug in db.session.scalars(select(Show.slug).order_by(Show.slug)).all():
        rendered = cached_feed(slug, now=now or utcnow())
        row = db.session.scalar(
            select(FeedCache).join(Show).where(Show.slug == slug, FeedCache.page == 1)
        )
        if row is None or row.notified_etag == rendered.etag:
            continue
        try:
            _ping(feed_url(db.session.scalar(select(Show).where(Show.slug == slug))))
        except PingError as exc:
            log.warning("could not announce %s: %s", slug, exc)
            continue
        row.notified_etag = rendered.etag
        db.session.commit()
        announced.append(slug)
    return announced


def _ping(url: str) -> None:
    """:raise PingError: when the hub or Podping refuses."""
    config = current_app.config
    if config.get("WEBSUB_HUB_URL"):
        websub_publish(config["WEBSUB_HUB_URL"], url)
    if config.get("PODPING_TOKEN"):
        podping(config["PODPING_URL"], config["PODPING_TOKEN"], url)
