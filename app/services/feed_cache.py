"""Keeping the shared feed cache honest: any change to a show's feed data marks it stale.

A session listener rather than calls in each service, so an edit made anywhere
(studio, CLI, a later API) can never leave an old feed being served. The update
runs in the same transaction as the change, so all web processes agree at commit.
"""

from __future__ import annotations

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from app.models import (
    AlternateEnclosure,
    Chapter,
    Episode,
    FeedCache,
    Person,
    Show,
    Transcript,
)


def _show_ids(session: Session) -> set[int]:
    """Shows whose feed the objects flushed in this session belong to."""
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Show):
            ids.add(obj.id)
        elif isinstance(obj, Episode | Person):
            ids.add(obj.show_id)
        elif isinstance(obj, Chapter | Transcript | AlternateEnclosure):
            episode = session.get(Episode, obj.episode_id)
            if episode is not None:
                ids.add(episode.show_id)
    ids.discard(None)
    return ids


def mark_stale(session: Session, show_ids: set[int]) -> None:
    """For changes made with bulk statements, which the flush listener cannot see."""
    if show_ids:
        session.connection().execute(
            update(FeedCache.__table__).where(FeedCache.show_id.in_(show_ids)).values(stale=True)
        )


@event.listens_for(Session, "after_flush")
def _mark_feeds_stale(session: Session, flush_context) -> None:
    mark_stale(session, _show_ids(session))
