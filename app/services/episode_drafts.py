"""Autosaved drafts of the episode editor: typed text kept on the server until it is saved.

The editor posts its text fields every few seconds while a producer types, and
with every file it attaches. A draft belongs to one producer and one episode and
lives in its own table: nothing in it reaches the feed, the public pages or
another producer until the editor's Save stores it in the episode (which then
drops the draft).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.extensions import db
from app.models import EpisodeDraft, Show, utcnow
from app.services.editing import check_may_edit, get_episode
from app.services.errors import InvalidInput

# Hours of show notes and a hundred chapter rows are far below this.
MAX_DRAFT_BYTES = 256 * 1024


def save_draft(
    show: Show,
    episode_id: int,
    user_id: int,
    fields: Mapping[str, str],
    *,
    lock_version: int,
    editor: bool,
    now: datetime | None = None,
) -> EpisodeDraft:
    """Keep what the producer typed, replacing their earlier draft of the episode.

    :raise NotFound: for another show's episode.
    :raise Forbidden: for an author and a public episode, which authors cannot save either.
    :raise InvalidInput: for a draft larger than ``MAX_DRAFT_BYTES``; the old draft stays.
    """
    episode = get_episode(show, episode_id)
    check_may_edit(episode, editor)
    kept = {str(name): str(value) for name, value in fields.items()}
    if len(json.dumps(kept).encode()) > MAX_DRAFT_BYTES:
        raise InvalidInput(_("The draft is too long to keep; save the episode instead."))
    draft = find_draft(episode.id, user_id)
    if draft is None:
        draft = EpisodeDraft(episode_id=episode.id, user_id=user_id)
        db.session.add(draft)
    draft.fields = kept
    draft.lock_version = lock_version
    draft.updated_at = now or utcnow()
    db.session.commit()
    return draft


def find_draft(episode_id: int, user_id: int) -> EpisodeDraft | None:
    return db.session.scalar(
        select(EpisodeDraft).where(
            EpisodeDraft.episode_id == episode_id, EpisodeDraft.user_id == user_id
        )
    )


def discard_draft(episode_id: int, user_id: int) -> None:
    """Forget the producer's draft: after a save, or when they choose the saved episode."""
    db.session.execute(
        delete(EpisodeDraft).where(
            EpisodeDraft.episode_id == episode_id, EpisodeDraft.user_id == user_id
        )
    )
    db.session.commit()


def differs(draft: EpisodeDraft, saved: Mapping[str, str], names: Iterable[str]) -> bool:
    """Whether the draft holds anything the saved episode does not: only then is it
    worth offering. Blank rows and surrounding spaces do not count."""
    return any(
        (draft.fields.get(name) or "").strip() != (saved.get(name) or "").strip() for name in names
    )
