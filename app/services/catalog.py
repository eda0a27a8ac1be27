"""What the public site shows: pages of episodes, the latest one, the sitemap's rows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Episode, Show, utcnow
from app.services.errors import NotFound

EPISODES_PER_PAGE = 20


@dataclass(frozen=True)
class EpisodePage:
    episodes: list[Episode]
    number: int
    count: int  # pages in all, at least 1
    total: int  # published episodes


def _published(show: Show, now: datetime):
    return Episode.show_id == show.id, Episode.published_at <= now


def episode_page(
    show: Show, number: int, per_page: int | None = None, now: datetime | None = None
) -> EpisodePage:
    """One page of the show's published episodes, newest first.

    Counting first lets a page past the end be a 404 rather than an empty list.

    :raise NotFound: for a page number below 1 or past the last page.
    """
    per_page = per_page or EPISODES_PER_PAGE
    conditions = _published(show, now or utcnow())
    total = db.session.scalar(select(func.count(Episode.id)).where(*conditions)) or 0
    count = max(1, math.ceil(total / per_page))
    if not 1 <= number <= count:
        raise NotFound(f"There is no page {number}; the episodes fill {count}.")
    query = (
        select(Episode)
        .options(joinedload(Episode.audio))
        .where(*conditions)
        .order_by(Episode.published_at.desc(), Episode.id.desc())
        .limit(per_page)
        .offset((number - 1) * per_page)
    )
    return EpisodePage(list(db.session.scalars(query)), number, count, total)


def latest_episode(show: Show, now: datetime | None = None) -> Episode:
    """:raise NotFound: when the show has published nothing yet."""
    episode = db.session.scalar(
        select(Episode)
        .options(joinedload(Episode.audio))
        .where(*_published(show, now or utcnow()))
        .order_by(Episode.published_at.desc(), Episode.id.desc())
        .limit(1)
    )
    if episode is None:
        raise NotFound("This show has no published episodes yet.")
    return episode


def sitemap_episodes(now: datetime | None = None) -> list[tuple[str, str, datetime]]:
    """``(show slug, episode slug, last change)`` of every published episode, in one query."""
    rows = db.session.execute(
        select(Show.slug, Episode.slug, Episode.updated_at)
        .join(Episode.show)
        .where(Episode.published_at <= (now or utcnow()))
        .order_by(Show.slug, Episode.published_at.desc())
    )
    return [tuple(row) for row in rows]
