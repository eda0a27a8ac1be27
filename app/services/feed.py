"""The show's feed: rows mapped onto ``feeds`` dataclasses, rendered and cached.

The rendered bytes live in the ``feed_cache`` table so every web process serves
the same cache. A page is rebuilt when it is marked stale (any change to the show
or its episodes, see ``app.services.feed_cache``) or when its ``valid_until`` —
the next scheduled publish time — has passed.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import flag_modified

from app.extensions import db
from app.models import AlternateEnclosure as AlternateEnclosureRow
from app.models import Chapter, Episode, FeedCache, Show, StoredFile, Transcript, utcnow
from app.models import Person as PersonRow
from app.processing.service import audio_ready
from app.services.errors import NotFound
from app.services.feed_cache import DEFAULT_LOCAL_SECONDS, LocalCopy, local_feeds
from app.services.shows import get_show
from app.urls import MAX_ID as MAX_PAGE
from app.urls import absolute_url, feed_url, media_url, show_url, with_analytics_prefix
from feeds.guid import podcast_guid
from feeds.model import (
    AlternateEnclosure,
    Enclosure,
    FeedEpisode,
    FeedShow,
    Funding,
    Location,
    PageLinks,
    Person,
    PodrollItem,
    Soundbite,
    Trailer,
    TranscriptLink,
    Txt,
)
from feeds.notes import plain_text
from feeds.rss import render_feed
from media.transcripts import FORMATS

MAX_CACHE_AGE = timedelta(minutes=15)
# The served transcript formats, in the order the feed lists them.
TRANSCRIPT_FORMATS = ("vtt", "srt", "json", "html")


@dataclass(frozen=True)
class RenderedFeed:
    """One cached page of a feed, ready to send."""

    show_id: int
    body: bytes
    body_gzip: bytes
    etag: str
    last_modified: datetime
    valid_until: datetime | None

    def is_fresh(self, now: datetime) -> bool:
        return self.valid_until is None or now < self.valid_until


def cached_feed(show_slug: str, page: int = 1, now: datetime | None = None) -> RenderedFeed:
    """The feed page from the shared cache, rebuilt first if it is stale or expired.

    The database row is the truth every process shares. Each process keeps a
    copy in memory and checks it against the row's ETag at most every
    ``FEED_LOCAL_SECONDS``, so a busy feed costs one small query per second per
    process instead of one large one per request. Changes made in this process
    drop the copy at once (see ``feed_cache``); other processes see them within
    that interval.

    :raise NotFound: for an unknown show or a page past the last one.
    """
    if not 1 <= page <= MAX_PAGE:  # no such page, and a number no query can carry
        raise NotFound(gettext("There is no such page of this feed."))
    now = now or utcnow()
    local = local_feeds()
    hit = local.get((show_slug, page))
    interval = current_app.config.get("FEED_LOCAL_SECONDS", DEFAULT_LOCAL_SECONDS)
    if hit and time.monotonic() - hit.checked_at < interval and hit.feed.is_fresh(now):
        return hit.feed
    state = db.session.execute(
        select(
            FeedCache.show_id,
            FeedCache.etag,
            FeedCache.stale,
            FeedCache.valid_until,
            FeedCache.settings_key,
        )
        .join(Show, Show.id == FeedCache.show_id)
        .where(Show.slug == show_slug, FeedCache.page == page)
    ).first()
    if (
        state is None
        or state.stale
        or not (state.valid_until is None or now < state.valid_until)
        or state.settings_key != settings_key()
    ):
        feed = rebuild_feed(get_show(show_slug), page, now)
    elif hit and hit.feed.etag == state.etag:
        feed = hit.feed
    else:
        feed = _rendered(db.session.get(FeedCache, (state.show_id, page)))
    local[(show_slug, page)] = LocalCopy(time.monotonic(), feed)
    return feed


def rebuild_feed(show: Show, page: int = 1, now: datetime | None = None) -> RenderedFeed:
    """Render the page, store it and return it; Last-Modified moves only if the bytes did.

    Two processes may rebuild the same page at once; the loser's insert fails on
    the primary key and it simply serves what it rendered, which is identical.

    :raise NotFound: for a page past the last one.
    """
    now = now or utcnow()
    with _collector_paused():
        body = show_feed(show, now, page=page)
    etag = hashlib.sha256(body).hexdigest()[:32]
    row = db.session.get(FeedCache, (show.id, page))
    if row is None:
        row = FeedCache(show_id=show.id, page=page, last_modified=now.replace(microsecond=0))
        db.session.add(row)
    elif row.etag != etag:
        row.last_modified = now.replace(microsecond=0)
    row.body = body
    # mtime=0 keeps the gzip bytes, and so their ETag, the same in every process.
    row.body_gzip = gzip.compress(body, compresslevel=6, mtime=0)
    row.etag = etag
    row.valid_until = _valid_until(show, now)
    row.stale = False
    row.settings_key = settings_key()
    # The flush listener may have set stale in the database behind this object's back.
    flag_modified(row, "stale")
    row.built_at = now
    rendered = _rendered(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    return rendered


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a feed renders: the render allocates tens of
    thousands of ORM rows and XML elements that live until it ends, and the collector kept
    rescanning them, about 40 % of a 10,000-episode render (bench/README.md).

    Only pauses what was running, and always resumes it, so threads that render at once
    leave it on; what garbage the render leaves is collected after it.
    """
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def settings_key() -> str:
    """What outside the database shapes the bytes: the public base URL and the hub.

    Stored with each page, so a new domain or hub is served at once after a deploy.
    """
    parts = (absolute_url("public.index"), websub_hub() or "")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _rendered(row: FeedCache) -> RenderedFeed:
    return RenderedFeed(
        row.show_id, row.body, row.body_gzip, row.etag, row.last_modified, row.valid_until
    )


def _valid_until(show: Show, now: datetime) -> datetime:
    """The next scheduled publish time, but at most ``MAX_CACHE_AGE`` away.

    The cap bounds the harm of the one race the stale flag cannot see: a change
    committed while another process was rendering the old data.
    """
    cap = now + MAX_CACHE_AGE
    scheduled = next_publish_time(show, now)
    return min(scheduled, cap) if scheduled else cap


def next_publish_time(show: Show, now: datetime) -> datetime | None:
    """The earliest scheduled publish time after ``now``: when the feed changes by itself."""
    return db.session.scalar(
        select(func.min(Episode.published_at)).where(
            Episode.show_id == show.id, Episode.published_at > now
        )
    )


def show_feed(show: Show, now: datetime | None = None, *, page: int = 1) -> bytes:
    """The RSS bytes of one page of the show's published episodes as of ``now``.

    :raise NotFound: for a page past the last one.
    """
    now = now or utcnow()
    ensure_podcast_guid(show)
    size = show.feed_page_size
    query = _episodes_query(show, now)
    pages = None
    if size:
        total = db.session.scalar(
            select(func.count(Episode.id)).where(
                Episode.show_id == show.id, Episode.published_at <= now, audio_ready()
            )
        )
        last = max(1, math.ceil(total / size))
        if not 1 <= page <= last:
            raise NotFound(gettext("There is no such page of this feed."))
        query = query.limit(size).offset((page - 1) * size)
        pages = page_links(show, page, last)
    elif page != 1:
        raise NotFound(gettext("This feed has only one page."))
    urls = FeedUrls(show)
    extras = load_extras(show, urls)
    episodes = [feed_episode(e, urls, extras) for e in db.session.scalars(query)]
    return render_feed(feed_show(show, episodes, pages), episodes, now=now)


def _episodes_query(show: Show, now: datetime):
    """Published episodes and their audio rows, newest first, in one query."""
    return (
        select(Episode)
        .options(joinedload(Episode.audio), joinedload(Episode.image))
        .where(Episode.show_id == show.id, Episode.published_at <= now, audio_ready())
        .order_by(Episode.published_at.desc(), Episode.id.desc())
    )


@dataclass
class EpisodeExtras:
    """The show's per-episode lists, loaded with one small query each, keyed by episode id.

    Plain column queries instead of eager-loaded relationships: building ORM
    collections for every episode was most of a cold render, and most episodes
    have none of these.
    """

    persons: dict[int, list[Person]] = field(default_factory=lambda: defaultdict(list))
    with_chapters: set[int] = field(default_factory=set)
    transcripts: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    alternates: dict[int, list[AlternateEnclosure]] = field(
        default_factory=lambda: defaultdict(list)
    )


def load_extras(show: Show, urls: FeedUrls) -> EpisodeExtras:
    extras = EpisodeExtras()
    of_show = Episode.show_id == show.id
    for row in db.session.execute(
        select(PersonRow)
        .where(PersonRow.show_id == show.id, PersonRow.episode_id.is_not(None))
        .options(joinedload(PersonRow.img_file))
        .order_by(PersonRow.position, PersonRow.id)
    ).scalars():
        extras.persons[row.episode_id].append(_person(row, urls.media))
    extras.with_chapters.update(
        db.session.scalars(select(Chapter.episode_id).join(Episode).where(of_show).distinct())
    )
    for episode_id, language in db.session.execute(
        select(Transcript.episode_id, Transcript.language)
        .join(Episode)
        .where(of_show)
        .order_by(Transcript.language)
    ):
        extras.transcripts[episode_id].append(language)
    for alt, stored in db.session.execute(
        select(AlternateEnclosureRow, StoredFile)
        .join(Episode, Episode.id == AlternateEnclosureRow.episode_id)
        .join(StoredFile, StoredFile.id == AlternateEnclosureRow.file_id)
        .where(of_show)
        .order_by(AlternateEnclosureRow.id)
    ):
        extras.alternates[alt.episode_id].append(
            AlternateEnclosure(
                url=urls.media(stored),
                length=stored.size,
                mime_type=stored.mime_type,
                bitrate=alt.bitrate,
                title=alt.title,
                codecs=alt.codecs,
            )
        )
    return extras


def page_links(show: Show, page: int, last: int) -> PageLinks:
    def url(number: int) -> str:
        return feed_page_url(show, number)

    return PageLinks(
        first=url(1),
        last=url(last),
        next=url(page + 1) if page < last else None,
        previous=url(page - 1) if page > 1 else None,
    )


def feed_page_url(show: Show, page: int) -> str:
    """Page 1 is the feed URL itself, so subscribers of a paged feed see the newest page."""
    if page == 1:
        return feed_url(show)
    return absolute_url("public.feed", show_slug=show.slug, page=page)


def ensure_podcast_guid(show: Show) -> str:
    """Assign podcast:guid from the current feed URL the first time; never change it after.

    Flushed here and committed with the cache row, so it is stored exactly once.
    """
    if not show.podcast_guid:
        show.podcast_guid = podcast_guid(feed_url(show))
        db.session.flush()
    return show.podcast_guid


def websub_hub() -> str | None:
    return current_app.config.get("WEBSUB_HUB_URL") or None


def feed_show(
    show: Show, episodes: list[FeedEpisode] = (), pages: PageLinks | None = None
) -> FeedShow:
    return FeedShow(
        title=show.title,
        description=show.description or show.title,
        language=show.language,
        link=show_url(show),
        feed_url=feed_url(show),
        image_url=media_url(show.image) if show.image else "",
        author=show.author,
        owner_name=show.owner_name,
        owner_email=show.owner_email,
        category=show.category,
        subcategory=show.subcategory,
        explicit=show.explicit,
        copyright=show.copyright,
        categories_extra=[(c[0], c[1]) for c in show.extra_categories or ()],
        podcast_guid=show.podcast_guid,
        itunes_title=show.itunes_title,
        itunes_type=show.itunes_type,
        complete=show.complete,
        block=show.itunes_block,
        new_feed_url=show.new_feed_url,
        locked=show.locked,
        locked_owner=show.locked_owner,
        funding=tuple(Funding(url=f["url"], text=f["text"]) for f in show.funding or ()),
        persons=tuple(_person(p, media_url) for p in show.persons),
        location=_location(show.location_name, show.location_geo, show.location_osm),
        trailers=tuple(_trailer(e) for e in episodes if e.episode_type == "trailer"),
        license=show.license,
        medium=show.medium,
        txts=tuple(Txt(text=t["text"], purpose=t.get("purpose")) for t in show.txts or ()),
        update_frequency=show.update_frequency,
        update_frequency_text=show.update_frequency_text,
        podroll=tuple(
            PodrollItem(feed_guid=p["feed_guid"], feed_url=p.get("feed_url"))
            for p in show.podroll or ()
        ),
        websub_hub=websub_hub(),
        pages=pages,
    )


def _trailer(episode: FeedEpisode) -> Trailer:
    enclosure = episode.enclosure
    return Trailer(
        title=episode.title,
        url=enclosure.url,
        published_at=episode.published_at,
        length=enclosure.length,
        mime_type=enclosure.mime_type,
        season=episode.season_number,
    )


def _person(person: PersonRow, media: Callable[[StoredFile], str]) -> Person:
    """Our stored copy of the picture when there is one (an import brought it along)."""
    img = media(person.img_file) if person.img_file is not None else person.img
    return Person(name=person.name, role=person.role, group=person.group, img=img, href=person.href)


def _location(name: str | None, geo: str | None, osm: str | None) -> Location | None:
    return Location(name=name, geo=geo, osm=osm) if name else None


class FeedUrls:
    """Item URLs from templates built once per render.

    ``url_for`` per item would be a fifth of a 10,000-episode render. Keys and
    slugs hold only URL-safe characters, so quoting them gives what url_for gives.
    """

    _MARK = "__podhost_value__"

    def __init__(self, show: Show) -> None:
        self.show = show
        self._media = absolute_url("delivery.media", key=self._MARK)
        self._episode = absolute_url("public.episode", show_slug=show.slug, episode_slug=self._MARK)
        self._chapters = absolute_url(
            "public.chapters", show_slug=show.slug, episode_slug=self._MARK
        )

    def _fill(self, template: str, value: str) -> str:
        return template.replace(self._MARK, quote(value, safe="/:@!$&'()*+,;="))

    def media(self, stored: StoredFile) -> str:
        return self._fill(self._media, stored.storage_key)

    def episode(self, episode: Episode) -> str:
        return self._fill(self._episode, episode.slug)

    def enclosure(self, episode: Episode) -> str:
        """The audio URL behind the show's analytics prefix, when it has one."""
        return with_analytics_prefix(episode.show.analytics_prefix, self.media(episode.audio))

    def chapters(self, episode: Episode) -> str:
        return self._fill(self._chapters, episode.slug)


def feed_episode(episode: Episode, urls: FeedUrls, extras: EpisodeExtras) -> FeedEpisode:
    audio = episode.audio
    description = episode.description or (
        plain_text(episode.notes_html) if episode.notes_html else ""
    )
    return FeedEpisode(
        guid=episode.guid,
        title=episode.title,
        description=description or episode.title,
        published_at=episode.published_at,
        duration_seconds=audio.duration or 0.0,
        enclosure=Enclosure(
            url=urls.enclosure(episode), length=audio.size, mime_type=audio.mime_type
        ),
        link=urls.episode(episode),
        explicit=episode.explicit,
        content_html=episode.notes_html or None,
        itunes_title=episode.itunes_title,
        episode_number=episode.episode_number,
        season_number=episode.season_number,
        season_name=episode.season_name,
        episode_type=episode.episode_type,
        block=episode.itunes_block,
        persons=tuple(extras.persons.get(episode.id, ())),
        location=_location(episode.location_name, episode.location_geo, episode.location_osm),
        soundbites=tuple(
            Soundbite(b["start"], b["duration"], b.get("title")) for b in episode.soundbites or ()
        ),
        alternate_enclosures=tuple(extras.alternates.get(episode.id, ())),
        chapters_url=urls.chapters(episode) if episode.id in extras.with_chapters else None,
        transcripts=tuple(
            TranscriptLink(
                url=transcript_url(urls.show.slug, episode, language, fmt),
                mime_type=FORMATS[fmt],
                language=language,
                rel="captions" if fmt in ("vtt", "srt") else None,
            )
            for language in extras.transcripts.get(episode.id, ())
            for fmt in TRANSCRIPT_FORMATS
        ),
        license=episode.license,
        image_url=urls.media(episode.image) if episode.image_id else None,
    )


def transcript_url(show_slug: str, episode: Episode, language: str, fmt: str) -> str:
    return absolute_url(
        "public.transcript",
        show_slug=show_slug,
        episode_slug=episode.slug,
        language=language,
        fmt=fmt,
    )
