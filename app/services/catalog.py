"""What the public site shows: pages of episodes, the latest one, an episode's chapters and
transcript, the sitemap's rows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Chapter, Episode, Show, StoredFile, Transcript, utcnow
from app.processing.service import audio_ready
from app.services.errors import NotFound
from media.transcripts import Cue, cues_from_data

EPISODES_PER_PAGE = 20


@dataclass(frozen=True)
class EpisodePage:
    episodes: list[Episode]
    number: int
    count: int  # pages in all, at least 1
    total: int  # published episodes


def _published(show: Show, now: datetime):
    return Episode.show_id == show.id, Episode.published_at <= now, audio_ready()


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
        raise NotFound(
            gettext(
                "There is no page %(number)d; the episodes fill %(count)d.",
                number=number,
                count=count,
            )
        )
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
        raise NotFound(gettext("This show has no published episodes yet."))
    return episode


def newest_show(now: datetime | None = None) -> Show | None:
    """The show whose latest published episode is the newest on the site, if any."""
    return db.session.scalar(
        select(Show)
        .join(Episode.show)
        .where(Episode.published_at <= (now or utcnow()), audio_ready())
        .order_by(Episode.published_at.desc(), Episode.id.desc())
        .limit(1)
    )


def sitemap_episodes(now: datetime | None = None) -> list[tuple[str, str, datetime]]:
    """``(show slug, episode slug, last change)`` of every published episode, in one query."""
    rows = db.session.execute(
        select(Show.slug, Episode.slug, Episode.updated_at)
        .join(Episode.show)
        .where(Episode.published_at <= (now or utcnow()), audio_ready())
        .order_by(Show.slug, Episode.published_at.desc())
    )
    return [tuple(row) for row in rows]


@dataclass(frozen=True)
class ChapterMark:
    start: float  # seconds
    title: str


@dataclass(frozen=True)
class EpisodeText:
    """What a page shows beside the player: chapters, and which transcript.

    ``transcript_id`` is the transcript shown (None without transcripts), in
    ``language``; ``languages`` lists every transcript the episode has, so the
    page can link to the others. The cues come from ``transcript_cues``;
    ``transcript_sha256`` is the stored file's hash, which names the cues
    exactly (SQLite may give a replacement the id of the row it replaced).
    """

    chapters: tuple[ChapterMark, ...]
    transcript_id: int | None
    transcript_sha256: str | None
    language: str | None
    languages: tuple[str, ...]


def episode_text(episode: Episode, page_language: str, wanted: str | None = None) -> EpisodeText:
    """Chapters and the transcript to show, in two small queries however long they are.

    The transcript shown is ``wanted`` when the episode has it, else the one in
    the page's language, else the show's, else the first.
    """
    chapters = tuple(
        ChapterMark(start, title)
        for start, title in db.session.execute(
            select(Chapter.start_seconds, Chapter.title)
            .where(Chapter.episode_id == episode.id)
            .order_by(Chapter.start_seconds, Chapter.id)
        )
    )
    transcripts = db.session.execute(
        select(Transcript.id, Transcript.language, StoredFile.sha256)
        .join(StoredFile, StoredFile.id == Transcript.file_id)
        .where(Transcript.episode_id == episode.id)
        .order_by(Transcript.language)
    ).all()
    languages = tuple(row.language for row in transcripts)
    chosen = pick_language(languages, wanted, page_language, episode.show.language)
    row = next((row for row in transcripts if row.language == chosen), None)
    if row is None:
        return EpisodeText(chapters, None, None, None, languages)
    return EpisodeText(chapters, row.id, row.sha256, chosen, languages)


def transcript_cues(transcript_id: int) -> list[Cue]:
    """A transcript's cues, parsed when it was stored: pages never read storage."""
    cues = db.session.scalar(select(Transcript.cues).where(Transcript.id == transcript_id))
    return cues_from_data(cues or ())


def pick_language(languages: tuple[str, ...], *preferred: str | None) -> str | None:
    """The first of ``languages`` matching a preference, exactly or by its main subtag.

    >>> pick_language(("en", "sv-SE"), None, "sv", "sv")
    'sv-SE'
    >>> pick_language(("de", "en"), "fi", "sv", "sv")
    'de'
    >>> pick_language((), "sv") is None
    True
    """
    for wish in preferred:
        if not wish:
            continue
        if wish in languages:
            return wish
        base = wish.split("-")[0].lower()
        for language in languages:
            if language.split("-")[0].lower() == base:
                return language
    return languages[0] if languages else None
