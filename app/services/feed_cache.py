"""Keeping the shared feed cache honest: any change to a show's feed data marks it stale.

A session listener rather than calls in each service, so an edit made anywhere
(studio, CLI, a later API) can never leave an old feed being served. The update
runs in the same transaction as the change, so all web processes agree at commit.

After the commit, the shows it changed are handed to ``announce.announce_soon``,
which tells the WebSub hub from a background thread; a rollback hands over nothing.

Each process also keeps its own copy of the pages it served (``local_feeds``),
checked against the database every ``FEED_LOCAL_SECONDS``; the listener drops
this process's copies at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, has_app_context
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

if TYPE_CHECKING:
    from app.services.feed import RenderedFeed

DEFAULT_LOCAL_SECONDS = 1.0
_EXTENSION_KEY = "podhost.local_feeds"
# session.info keys: shows changed in the open transaction; set on the announcer's own
# session, so the feeds it rebuilds do not queue themselves again.
CHANGED_SHOWS = "podhost.changed_shows"
ANNOUNCING = "podhost.announcing"


@dataclass(frozen=True)
class LocalCopy:
    checked_at: float  # time.monotonic() of the last check against the database
    feed: RenderedFeed


def local_feeds() -> dict[tuple[str, int], Any]:
    """This app's in-process copies, keyed by (show slug, page); one dict per app."""
    return local_feeds_of(current_app)


def local_feeds_of(app: Flask) -> dict[tuple[str, int], Any]:
    """``local_feeds`` without an app context, for the fast path ahead of Flask."""
    return app.extensions.setdefault(_EXTENSION_KEY, {})


def _forget_local(show_ids: set[int]) -> None:
    if not has_app_context():
        return
    local = local_feeds()
    for key, copy in list(local.items()):
        if copy.feed.show_id in show_ids:
            del local[key]


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
        _forget_local(show_ids)
        session.connection().execute(
            update(FeedCache.__table__).where(FeedCache.show_id.in_(show_ids)).values(stale=True)
        )
        session.info.setdefault(CHANGED_SHOWS, set()).update(show_ids)


@event.listens_for(Session, "after_flush")
def _mark_feeds_stale(session: Session, flush_context) -> None:
    mark_stale(session, _show_ids(session))


@event.listens_for(Session, "after_commit")
def _announce_changes(session: Session) -> None:
    changed = session.info.pop(CHANGED_SHOWS, None)
    if changed and has_app_context() and not session.info.get(ANNOUNCING):
        from app.services.announce import announce_soon

        announce_soon(changed)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(CHANGED_SHOWS, None)
