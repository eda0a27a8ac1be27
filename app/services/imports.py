"""Moving a show in from another host: its feed now, its media in the background.

Starting an import fetches and parses the feed at once (so a hostile or broken
feed is refused while the producer waits) and, in one transaction, creates the
show, a job and one item per source episode. A worker then downloads each
episode's audio, artwork, chapters and transcripts, and creates the episode in
the same transaction that marks its item done. The database is the only state,
so any process may run or resume a job, and an interrupted job continues
without duplicates. Jobs run on the task queue (``run_import`` in app/jobs);
the row's lease keeps two consumers from working on one import at once. A
broken episode is skipped with the reason; it never stops the others.
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO, Any, BinaryIO
from urllib.parse import urljoin

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Chapter,
    Episode,
    ImportItem,
    ImportJob,
    Person,
    Show,
    StoredFile,
    Transcript,
    utcnow,
)
from app.services.episodes import _unique_slug
from app.services.errors import InvalidInput, NotFound, StorageUnavailable
from app.services.feed_extras import (
    EPISODE_TYPES,
    ITUNES_TYPES,
    MEDIUMS,
    refresh_transcript_text,
)
from app.services.files import store_file
from app.services.shows import DEFAULT_CATEGORY, _check_new_slug, get_show
from app.services.uploads import human_size
from app.slugs import slugify
from app.storage import current_storage
from feeds.chapters import web_link
from feeds.guid import podcast_guid
from feeds.notes import plain_text, sanitize_notes
from feeds.parse import (
    FeedParseError,
    ForeignEpisode,
    ForeignFeed,
    ForeignShow,
    episode_from_dict,
    episode_to_dict,
    looks_like_html,
    parse_feed,
)
from media.artwork import ImageType, inspect_artwork, placeholder_png, sniff_image
from media.fetch import FetchError, FetchLimits, HostPolicy, allowed_hosts, fetch
from media.probe import AudioInfo, UnsupportedAudio, probe_audio
from media.storage import StorageError
from media.transcripts import Cue, TranscriptError, cues_to_data, read_transcript

log = logging.getLogger(__name__)

UNFINISHED = ("queued", "running")
# Content types that are never audio: a host's error or login page, a redirect page.
NOT_AUDIO_TYPES = ("text/", "application/xhtml", "application/xml", "application/json")
# Preference per language: the most precise timing first, HTML (start times only) last.
TRANSCRIPT_TYPES = {
    "text/vtt": 0,
    "application/x-subrip": 1,
    "application/srt": 1,
    "application/json": 2,
    "text/html": 3,
}
MAX_PICTURES = 100  # distinct person and chapter picture addresses per episode (or show)
TRANSCRIPT_EXTENSIONS = {".vtt": 0, ".srt": 1, ".json": 2, ".html": 3, ".htm": 3}

# Every code a Note of this module can have; the studio words each one (a test checks this
# against the source). Notes on a fetch failure are "fetch:" + media.fetch's FetchError code,
# notes on refused audio "probe:" + media.probe's RefusalCode: the studio words those by code.
MESSAGE_CODES = (
    "no-guid",
    "guid-too-long",
    "duplicate-guid",
    "guid-elsewhere",
    "no-enclosure",
    "no-pubdate",
    "guid-exists",
    "unexpected-error",
    "no-address",
    "not-audio-document",
    "not-publishable-audio",
    "episode-artwork-left-out",
    "episode-artwork-not-image",
    "chapters-left-out",
    "chapters-no-list",
    "chapters-unreadable",
    "pictures-too-many",
    "picture-left-out",
    "picture-not-image",
    "transcript-type",
    "transcript-left-out",
    "transcript:unreadable",
    "show-artwork-placeholder",
    "show-artwork-not-image",
    "paused-storage",
)


@dataclass(frozen=True)
class Note:
    """Why an episode was skipped, or a part of it or of the show left out.

    Imports run outside any request, so the reason is kept twice: in English for
    the command line (``message``), and as a stable code with the values its
    wording needs (``params``), which the studio words in the reader's language
    when it shows the note. A param may be a Note itself: the reason inside
    "Chapters left out: ...".
    """

    code: str  # one of MESSAGE_CODES, or "fetch:<FetchError code>" or "probe:<RefusalCode>"
    message: str  # English, for the CLI and for readers of the database
    params: dict[str, Any] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        """The code and params as JSON values, nested notes included."""
        params = {
            name: value.as_data() if isinstance(value, Note) else value
            for name, value in self.params.items()
        }
        return {"code": self.code, "params": params}


def _set_notes(row: ImportJob | ImportItem, notes: list[Note]) -> None:
    """Replace a job's or an item's message with ``notes`` (none: no message)."""
    row.message = " ".join(note.message for note in notes) or None
    row.message_codes = [note.as_data() for note in notes] or None


def _add_notes(row: ImportJob | ImportItem, notes: list[Note]) -> None:
    """Append ``notes`` to a message; one written before codes were kept stays English only,
    since codes for half of its text would make the studio leave out the other half."""
    if not notes:
        return
    english_only = bool(row.message) and row.message_codes is None
    codes = [*(row.message_codes or []), *(note.as_data() for note in notes)]
    row.message = " ".join(filter(None, [row.message, *(note.message for note in notes)]))
    row.message_codes = None if english_only else codes


# --- starting an import ----------------------------------------------------------


@dataclass(frozen=True)
class FeedSource:
    """The feed's bytes and where they came from (the URL typed, or an uploaded file)."""

    data: bytes
    source: str  # the URL as given, or "upload:<file name>"
    url: str | None  # the URL as given, None for a file
    final_url: str | None  # after redirects, for resolving relative URLs


def fetch_feed_source(url: str) -> FeedSource:
    """Download a feed within the feed limits.

    :raise InvalidInput: (field "url") for a refused address, an error status,
        a feed over the size or time limit.
    """
    url = (url or "").strip()
    if not url:
        raise InvalidInput(gettext("Give the feed's address."), "url")
    with tempfile.TemporaryFile() as out:
        try:
            fetched = fetch(url, out, _limits("feed"), _policy(), accept=_FEED_ACCEPT)
        except FetchError as exc:
            raise InvalidInput(fetch_refusal(exc), "url") from exc
        out.seek(0)
        return FeedSource(out.read(), url, url, fetched.url)


def read_feed_file(stream: BinaryIO, filename: str | None) -> FeedSource:
    """An uploaded feed file, read up to the feed size limit.

    :raise InvalidInput: (field "feed_file") for an empty or over-large file.
    """
    limit = current_app.config["IMPORT_MAX_FEED_BYTES"]
    data = stream.read(limit + 1)
    if not data:
        raise InvalidInput(gettext("Choose a feed file (RSS XML) to import."), "feed_file")
    if len(data) > limit:
        raise InvalidInput(
            gettext("The feed file is larger than the limit of %(size)s.", size=human_size(limit)),
            "feed_file",
        )
    return FeedSource(data, f"upload:{filename or 'feed.xml'}", None, None)


def start_import(
    source: FeedSource,
    *,
    slug: str | None = None,
    owner_email: str | None = None,
    owner_confirmed: bool = False,
) -> ImportJob:
    """Create the show from the feed, and a job that brings its episodes' media over.

    ``owner_email`` is used when the feed names no owner. A feed with
    ``podcast:locked`` set is refused unless ``owner_confirmed``: the lock is its
    owner's way of saying that no host may take the show without them.

    :raise InvalidInput: for a feed that cannot be parsed, a taken or bad slug,
        a locked feed, or a show without an owner email.
    """
    feed = _parse(source)
    show_data = feed.show
    if show_data.locked and not owner_confirmed:
        owner = show_data.locked_owner or show_data.owner_email or gettext("its owner")
        raise InvalidInput(
            gettext(
                "The feed is locked (podcast:locked) by %(owner)s. Import it only if you are "
                "the owner: confirm that, or unlock it at the old host first.",
                owner=owner,
            ),
            "owner_confirmed",
        )
    _refuse_a_second_copy(feed)
    slug = (slug or slugify(show_data.title, max_length=60) or "podcast").strip().lower()
    _check_new_slug(slug)
    email = show_data.owner_email if "@" in (show_data.owner_email or "") else owner_email
    if not email or "@" not in email:
        raise InvalidInput(
            gettext("The feed names no owner email (itunes:owner); give one for the show."),
            "owner_email",
        )
    show = _new_show(slug, show_data, email, source)
    job = _new_job(show, source, feed, existing_guids=set())
    key = f"{slug}/artwork/{uuid.uuid4().hex}.png"
    with store_file(key, io.BytesIO(placeholder_png()), "image/png") as image:
        show.image = image
        db.session.add_all([show, job])
        db.session.flush()
        for position, person in enumerate(show_data.persons):
            db.session.add(_person_row(show.id, None, position, person))
        db.session.commit()
    return job


def _refuse_a_second_copy(feed: ForeignFeed) -> None:
    """A feed whose every episode is already here is that show again, not a new one.

    Importing it anyway made a show with no episodes (each one skipped as taken), which
    a producer then had to find and delete. Some taken episodes are fine: each is
    skipped and reported.

    :raise InvalidInput: naming the show that has the episodes.
    """
    taken = _guids_elsewhere(None, feed)
    guids = {e.guid or e.enclosure_url for e in feed.episodes if e.guid or e.enclosure_url}
    if not guids or not guids <= taken:
        return
    show = db.session.scalar(
        select(Show).join(Episode, Episode.show_id == Show.id).where(Episode.guid.in_(guids))
    )
    raise InvalidInput(
        gettext(
            "Every episode of this feed is already in the show “%(title)s”. To bring over "
            "its newest episodes, use “Import new episodes” on that show's import page.",
            title=show.title if show else "",
        ),
        "url",
    )


def start_reimport(show_slug: str, source: FeedSource) -> ImportJob:
    """Queue the feed's episodes that the show does not have yet.

    An unfinished job of the show takes the new items, so two imports never
    race for the same episode; otherwise a new job is made. Episodes already
    in the show are left alone, whatever the feed now says about them.

    :raise NotFound: for an unknown show.
    :raise InvalidInput: for a feed that cannot be parsed.
    """
    show = get_show(show_slug)
    feed = _parse(source)
    have = set(db.session.scalars(select(Episode.guid).where(Episode.show_id == show.id)))
    job = db.session.scalar(
        select(ImportJob)
        .where(ImportJob.show_id == show.id, ImportJob.state.in_(UNFINISHED))
        .order_by(ImportJob.id)
    )
    if job is None:
        job = _new_job(show, source, feed, existing_guids=have)
        job.artwork_url = None  # the show keeps the artwork and persons it has now
        job.persons_pending = False
        db.session.add(job)
    else:
        queued = {item.guid for item in job.items if item.guid}
        _add_items(job, feed, existing_guids=have | queued, start=len(job.items))
    db.session.commit()
    return job


_FEED_ACCEPT = "application/rss+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"


def _parse(source: FeedSource) -> ForeignFeed:
    try:
        return parse_feed(source.data, source.final_url)
    except FeedParseError as exc:
        raise InvalidInput(parse_refusal(exc.code), "url" if source.url else "feed_file") from exc


def fetch_refusal(exc: FetchError) -> str:
    """Why a feed could not be fetched (by ``FetchError.code``), in the user's language."""
    if exc.code == "http_status" and exc.status:
        return gettext(
            "The feed's address answered HTTP %(status)d, not the feed. Check the address.",
            status=exc.status,
        )
    messages = {
        "blocked_address": lambda: gettext(
            "The feed's address points to a private or local address, so it is not fetched. "
            "An admin can allow the host with IMPORT_ALLOWED_HOSTS."
        ),
        "bad_url": lambda: gettext(
            "This is not a web address we can fetch. Give the full http:// or https:// "
            "address of the feed, without a user name or password."
        ),
        "too_large": lambda: gettext("The feed is larger than the limit for feeds."),
        "timeout": lambda: gettext(
            "The feed's host did not answer in time. Try again later or upload the feed file."
        ),
        "http_status": lambda: gettext(
            "The feed's address answered with an error, not the feed. Check the address."
        ),
        "too_many_redirects": lambda: gettext(
            "The feed's address redirects too many times. Give the address the feed ends up at."
        ),
        "network": lambda: gettext(
            "The feed could not be fetched: its host could not be reached. Check the address."
        ),
    }
    return messages.get(exc.code, messages["network"])()


def parse_refusal(code: str) -> str:
    """Why a feed cannot be imported (``FeedParseError.code``), in the user's language."""
    messages = {
        "entities": lambda: gettext(
            "The feed declares XML entities in a DOCTYPE. Podcast feeds never need them, "
            "and they are a known way to attack servers, so the feed was refused."
        ),
        "not_rss": lambda: gettext("This is XML, but not an RSS feed (no <rss> element)."),
        "no_channel": lambda: gettext("The feed has no <channel>."),
        "no_title": lambda: gettext("The feed's channel has no title."),
        "not_xml": lambda: gettext("The file is not a feed: it is not well-formed XML."),
    }
    return messages.get(code, messages["not_xml"])()


def _new_show(slug: str, data: ForeignShow, email: str, source: FeedSource) -> Show:
    """The Show row with every channel field the feed has; artwork comes with the job."""
    categories = list(data.categories) or [(DEFAULT_CATEGORY, None)]
    description = (
        plain_text(data.description) if looks_like_html(data.description) else (data.description)
    )
    identity_url = source.url or data.self_url
    show = Show(
        slug=slug,
        title=_fit(Show, "title", data.title),
        description=description.strip(),
        language=_fit(Show, "language", data.language or "en"),
        author=_fit(Show, "author", data.author or data.owner_name or data.title),
        owner_name=_fit(Show, "owner_name", data.owner_name or data.author or data.title),
        owner_email=_fit(Show, "owner_email", email),
        category=_fit(Show, "category", categories[0][0]),
        subcategory=_fit(Show, "subcategory", categories[0][1]),
        extra_categories=[list(pair) for pair in categories[1:]],
        explicit=data.explicit,
        copyright=_fit(Show, "copyright", data.copyright),
        podcast_guid=data.podcast_guid or (podcast_guid(identity_url) if identity_url else None),
        itunes_title=_fit(Show, "itunes_title", data.itunes_title),
        itunes_type=data.itunes_type if data.itunes_type in ITUNES_TYPES else "episodic",
        complete=data.complete,
        itunes_block=data.block,
        medium=data.medium if data.medium in MEDIUMS else "podcast",
        license=_fit(Show, "license", data.license),
        update_frequency=_fit(Show, "update_frequency", data.update_frequency),
        update_frequency_text=_fit(Show, "update_frequency_text", data.update_frequency_text),
        funding=[{"url": url, "text": text} for url, text in data.funding],
        txts=[{"text": text, "purpose": purpose} for text, purpose in data.txts],
        podroll=[{"feed_guid": guid, "feed_url": url} for guid, url in data.podroll],
    )
    if data.location:
        show.location_name = _fit(Show, "location_name", data.location.name)
        show.location_geo = _fit(Show, "location_geo", data.location.geo)
        show.location_osm = _fit(Show, "location_osm", data.location.osm)
    return show


def _new_job(
    show: Show, source: FeedSource, feed: ForeignFeed, existing_guids: set[str]
) -> ImportJob:
    job = ImportJob(
        show=show,
        source=source.source[:2000],
        base_url=(source.final_url or feed.show.self_url or "")[:2000] or None,
        state="queued",
        artwork_url=(feed.show.image_url or "")[:2000] or None,
        persons_pending=any(person.img for person in feed.show.persons),
    )
    _add_items(job, feed, existing_guids, start=0)
    return job


def _add_items(job: ImportJob, feed: ForeignFeed, existing_guids: set[str], start: int) -> None:
    """One item per source episode: pending, or skipped at once with the reason.

    Duplicate GUIDs: the first item with a GUID wins (feeds list newest first,
    and apps keep the first they see); later ones are skipped and reported,
    because two episodes with one GUID would share played state in every app.
    Items without a GUID use their enclosure URL, as podcast apps do.
    """
    seen: dict[str, int] = {}
    taken = _guids_elsewhere(job.show_id, feed)
    position = start
    for number, episode in enumerate(feed.episodes, start=1):
        guid = episode.guid or episode.enclosure_url
        if guid and guid in existing_guids:
            continue  # already imported: a re-import adds only what is new
        reason = _refusal(episode, guid, seen, taken)
        data = episode_to_dict(episode)
        if data["image_url"] == feed.show.image_url:
            data["image_url"] = None  # the show's own artwork: not stored twice
        item = ImportItem(
            position=position,
            guid=None if reason else guid,
            title=_fit(ImportItem, "title", episode.title or f"#{number}") or "",
            state="skipped" if reason else "pending",
            data=data,
        )
        _set_notes(item, [reason] if reason else [])
        job.items.append(item)
        if guid and not reason:
            seen[guid] = number
        position += 1


def _refusal(
    episode: ForeignEpisode, guid: str | None, seen: dict[str, int], taken: set[str]
) -> Note | None:
    """Why an item cannot be imported at all, before anything is downloaded."""
    if not guid:
        return Note(
            "no-guid",
            "The item has neither a GUID nor an enclosure, so apps cannot tell it apart.",
        )
    if len(guid) > 255:
        return Note(
            "guid-too-long", "The item's GUID is longer than 255 characters.", {"limit": 255}
        )
    if guid in seen:
        return Note(
            "duplicate-guid",
            f"Duplicate GUID: item {seen[guid]} already has “{guid}”; this one was skipped.",
            {"item": seen[guid], "guid": guid},
        )
    if guid in taken:
        return Note(
            "guid-elsewhere",
            f"Another show on this service already has an episode with the GUID “{guid}”.",
            {"guid": guid},
        )
    if not episode.enclosure_url:
        return Note("no-enclosure", "The item has no enclosure (no audio file).")
    if episode.published_at is None:
        return Note(
            "no-pubdate", "The item has no valid pubDate, so its place in the feed is unknown."
        )
    return None


def _guids_elsewhere(show_id: int | None, feed: ForeignFeed) -> set[str]:
    """GUIDs of the feed that episodes of other shows already use (GUIDs are unique here)."""
    guids = [e.guid or e.enclosure_url for e in feed.episodes if e.guid or e.enclosure_url]
    taken: set[str] = set()
    for start in range(0, len(guids), 500):
        query = select(Episode.guid).where(Episode.guid.in_(guids[start : start + 500]))
        if show_id is not None:
            query = query.where(Episode.show_id != show_id)
        taken.update(db.session.scalars(query))
    return taken


# --- running jobs ----------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


# The ``worker`` of a job reserved for the task queue: queued, not yet taken by a consumer.
QUEUED = "queue"


def claim_job(worker: str, job_id: int | None = None) -> ImportJob | None:
    """Take an unfinished job whose lease has run out or that waits in the queue (or the
    given one), for ``worker``.

    The conditional UPDATE is the lock: of two processes racing for one job,
    exactly one changes the row.
    """
    now = utcnow()
    free = or_(
        ImportJob.lease_until.is_(None), ImportJob.lease_until < now, ImportJob.worker == QUEUED
    )
    query = select(ImportJob.id).where(ImportJob.state.in_(UNFINISHED), free)
    if job_id is not None:
        query = query.where(ImportJob.id == job_id)
    for candidate in db.session.scalars(query.order_by(ImportJob.id)).all():
        claimed = db.session.execute(
            update(ImportJob)
            .where(ImportJob.id == candidate, ImportJob.state.in_(UNFINISHED), free)
            .values(worker=worker, lease_until=now + _lease(), state="running")
        ).rowcount
        db.session.commit()
        if claimed:
            return db.session.get(ImportJob, candidate)
    return None


def reserve_for_queue(job_id: int | None = None) -> list[int]:
    """Mark unfinished jobs no worker holds (or the given one) as queued; returns their ids.

    The caller then puts one ``run_import`` job on the task queue per id. The
    reservation lasts ``IMPORT_QUEUE_SECONDS``: a job still waiting after that
    (its enqueue failed, or the queue was lost) is reserved and queued again by
    the periodic ``resume_imports``; a second queued job finds the first's
    claim and does nothing.
    """
    now = utcnow()
    free = or_(ImportJob.lease_until.is_(None), ImportJob.lease_until < now)
    query = select(ImportJob.id).where(ImportJob.state.in_(UNFINISHED), free)
    if job_id is not None:
        query = query.where(ImportJob.id == job_id)
    reserved = []
    until = now + timedelta(seconds=current_app.config["IMPORT_QUEUE_SECONDS"])
    for candidate in db.session.scalars(query.order_by(ImportJob.id)).all():
        changed = db.session.execute(
            update(ImportJob)
            .where(ImportJob.id == candidate, ImportJob.state.in_(UNFINISHED), free)
            .values(worker=QUEUED, lease_until=until)
        ).rowcount
        if changed:
            reserved.append(candidate)
    db.session.commit()
    return reserved


def run_pending(worker: str | None = None, *, limit: int | None = None) -> list[int]:
    """Run every job no live worker holds, one after another; returns their ids."""
    worker = worker or worker_name()
    ran = []
    while limit is None or len(ran) < limit:
        job = claim_job(worker)
        if job is None:
            break
        run_job(job.id, worker)
        ran.append(job.id)
    return ran


def run_job(job_id: int, worker: str, *, max_items: int | None = None) -> ImportJob:
    """Work through a claimed job's pending items; stop when done or the lease is lost.

    ``max_items`` stops early, as a crash would (the tests use it).
    """
    job = db.session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(gettext("There is no such import."))
    processed = 0
    while max_items is None or processed < max_items:
        if not _renew_lease(job_id, worker):
            log.info("import %s: lease lost, another worker continues", job_id)
            break
        item = db.session.scalar(
            select(ImportItem)
            .where(ImportItem.job_id == job_id, ImportItem.state == "pending")
            .order_by(ImportItem.position)
        )
        if item is None and not job.artwork_url and not job.persons_pending:
            _finish(job)
            break
        try:
            if job.artwork_url:
                _import_show_artwork(job)
                continue
            if job.persons_pending:
                _import_show_pictures(job)
                continue
            _import_item(job, item, _LeaseKeeper(job_id, worker))
        except StorageUnavailable as exc:
            _pause(job, exc.message)
            break
        except _LeaseLost:
            db.session.rollback()
            log.info("import %s: lease lost during a download", job_id)
            break
        processed += 1
    return job


class _LeaseLost(Exception):
    """Another worker took the job over; this one must stop at once and store nothing."""


class _LeaseKeeper:
    """Renews the job's lease while a long download runs, at most every few seconds."""

    def __init__(self, job_id: int, worker: str) -> None:
        self.job_id, self.worker = job_id, worker
        self.renewed_at = time.monotonic()

    def __call__(self, _received: int) -> None:
        interval = current_app.config["IMPORT_LEASE_SECONDS"] / 4
        if time.monotonic() - self.renewed_at < interval:
            return
        if not _renew_lease(self.job_id, self.worker):
            raise _LeaseLost()
        self.renewed_at = time.monotonic()


def _renew_lease(job_id: int, worker: str) -> bool:
    renewed = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.worker == worker, ImportJob.state == "running")
        .values(lease_until=utcnow() + _lease())
    ).rowcount
    db.session.commit()
    return bool(renewed)


def _finish(job: ImportJob) -> None:
    """Mark the job done; a pause it got over is no news any more (its note says it goes on)."""
    if job.message_codes and [note["code"] for note in job.message_codes] == ["paused-storage"]:
        _set_notes(job, [])
    job.state = "done"
    job.finished_at = utcnow()
    job.lease_until = None
    db.session.commit()


def _pause(job: ImportJob, message: str) -> None:
    """Storage is down: keep the job for later instead of skipping every episode."""
    db.session.rollback()
    _set_notes(job, [Note("paused-storage", f"Paused: {message}")])
    job.lease_until = utcnow() + timedelta(seconds=60)
    db.session.commit()


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["IMPORT_LEASE_SECONDS"])


def _import_show_artwork(job: ImportJob) -> None:
    """Replace the placeholder with the feed's artwork; a bad image keeps the placeholder."""
    url, show = job.artwork_url, job.show
    job.artwork_url = None
    try:
        with _downloaded(url, "image") as (stream, _fetched):
            image_type = sniff_image(stream)
            if image_type is None:
                raise _Skip(
                    Note("show-artwork-not-image", "The show's artwork is not a JPEG or PNG image.")
                )
            key = f"{show.slug}/artwork/{uuid.uuid4().hex}{image_type.extension}"
            old = show.image
            with store_file(key, stream, image_type.mime_type) as stored:
                show.image = stored
                db.session.commit()
    except _Skip as exc:
        placeholder = Note(
            "show-artwork-placeholder",
            f"Artwork kept as a placeholder: {exc}",
            {"reason": exc.note},
        )
        _set_notes(job, [placeholder])
        db.session.commit()
        return
    _delete_stored(old)


def _import_show_pictures(job: ImportJob) -> None:
    """Store the pictures of the show's podcast:person rows; a bad one is left out and noted."""
    show = job.show
    notes: list[Note] = []
    persons = db.session.scalars(
        select(Person).where(Person.show_id == show.id, Person.episode_id.is_(None))
    ).all()
    wanted = [person.img for person in persons if person.img_file is None]
    with ExitStack() as files:
        pictures = _pictures(files, wanted, notes)
        with ExitStack() as stored:
            kept = _store_pictures(stored, show, uuid.uuid4().hex, pictures)
            for person in persons:
                if person.img and person.img_file is None:
                    person.img_file, person.img = kept.get(person.img), None
            job.persons_pending = False
            _add_notes(job, notes)
            db.session.commit()


def _delete_stored(stored: StoredFile | None) -> None:
    """Drop a file no row points to any more (the placeholder artwork)."""
    if stored is None:
        return
    key = stored.storage_key
    db.session.delete(stored)
    db.session.commit()
    try:
        current_storage().delete(key)
    except StorageError:
        log.exception("could not delete replaced object %s", key)


class _Skip(Exception):
    """This episode (or optional part) cannot be imported; the note says why."""

    def __init__(self, note: Note) -> None:
        super().__init__(note.message)
        self.note = note


def _import_item(job: ImportJob, item: ImportItem, keep_lease: _LeaseKeeper) -> None:
    """Download, check and store one episode; skip it with the reason if anything is wrong."""
    episode = episode_from_dict(item.data)
    notes: list[Note] = []
    try:
        with ExitStack() as files:
            audio, info = _audio(files, episode, keep_lease)
            image = _episode_image(files, episode, notes)
            chapters = _chapters(episode, notes)
            wanted = [person.img for person in episode.persons] + [c["img"] for c in chapters]
            pictures = _pictures(files, wanted, notes, keep_lease)
            transcripts = _transcripts(files, episode, notes)
            _save_episode(
                job, item, episode, (audio, info), image, chapters, pictures, transcripts, notes
            )
    except _Skip as exc:
        db.session.rollback()
        item.state = "skipped"
        _set_notes(item, [exc.note])
        db.session.commit()
    except IntegrityError:
        # Another process created this GUID meanwhile: it exists once, which is the goal.
        db.session.rollback()
        item.state = "skipped"
        _set_notes(item, [Note("guid-exists", "An episode with this GUID already exists.")])
        db.session.commit()
    except (StorageUnavailable, _LeaseLost):
        raise  # not the episode's fault: the job pauses, or another worker goes on
    except Exception as exc:
        # A bug or a file no check foresaw must not stop the other episodes.
        log.exception("import item %s failed", item.id)
        db.session.rollback()
        item.state = "skipped"
        error = f"{type(exc).__name__}: {exc}"
        message = f"The episode could not be imported ({error})."
        _set_notes(item, [Note("unexpected-error", message, {"error": error})])
        db.session.commit()


def _audio(
    files: ExitStack, episode: ForeignEpisode, keep_lease: _LeaseKeeper
) -> tuple[IO[bytes], AudioInfo]:
    stream, fetched = files.enter_context(
        _downloaded(episode.enclosure_url, "audio", on_chunk=keep_lease)
    )
    if fetched.media_type.startswith(NOT_AUDIO_TYPES):
        raise _Skip(
            Note(
                "not-audio-document",
                f"The enclosure is a {fetched.media_type} document, not audio "
                "(a web page where the file should be).",
                {"type": fetched.media_type},
            )
        )
    try:
        info = probe_audio(stream)
    except UnsupportedAudio as exc:
        reason = Note(f"probe:{exc.code}", str(exc))
        raise _Skip(
            Note(
                "not-publishable-audio",
                f"The enclosure is not audio we can publish: {exc}",
                {"reason": reason},
            )
        ) from exc
    return stream, info


def _episode_image(
    files: ExitStack, episode: ForeignEpisode, notes: list[Note]
) -> tuple[IO[bytes], str, str] | None:
    """The episode's own artwork; none when it is the show's or cannot be read."""
    url = episode.image_url
    if not url:
        return None
    try:
        stream, _ = files.enter_context(_downloaded(url, "image"))
    except _Skip as exc:
        notes.append(
            Note(
                "episode-artwork-left-out",
                f"Episode artwork left out: {exc}",
                {"reason": exc.note},
            )
        )
        return None
    image_type = sniff_image(stream)
    if image_type is None:
        notes.append(
            Note(
                "episode-artwork-not-image",
                "Episode artwork left out: it is not a JPEG or PNG image.",
            )
        )
        return None
    return stream, image_type.mime_type, image_type.extension


def _chapters(episode: ForeignEpisode, notes: list[Note]) -> list[dict[str, Any]]:
    """JSON chapters as rows' values; chapters that cannot be read are reported and left out."""
    if not episode.chapters_url:
        return []
    try:
        with _downloaded(episode.chapters_url, "small") as (stream, _):
            document = json.loads(stream.read().decode("utf-8-sig"))
        raw = document.get("chapters") if isinstance(document, dict) else None
        if not isinstance(raw, list):
            raise _Skip(Note("chapters-no-list", "the file has no chapters list"))
        chapters = []
        for entry in raw:
            start = entry.get("startTime") if isinstance(entry, dict) else None
            if not isinstance(start, int | float) or isinstance(start, bool) or start < 0:
                continue
            chapters.append(
                {
                    "start_seconds": float(start),
                    "title": _fit(Chapter, "title", str(entry.get("title") or "")),
                    "img": _fit(Chapter, "img", _address(entry.get("img"), episode.chapters_url)),
                    "url": web_link(_str_or_none(entry.get("url"))),
                }
            )
        return chapters
    except _Skip as exc:
        notes.append(Note("chapters-left-out", f"Chapters left out: {exc}", {"reason": exc.note}))
        return []
    except ValueError as exc:  # not JSON, or not UTF-8 (UnicodeDecodeError is a ValueError)
        notes.append(Note("chapters-unreadable", f"Chapters left out: {exc}"))
        return []


def _pictures(
    files: ExitStack, urls: list[str | None], notes: list[Note], keep_lease: Any = None
) -> dict[str, tuple[IO[bytes], ImageType]]:
    """Each distinct picture address downloaded once and checked; a bad one is noted.

    Pictures of persons and chapters are not artwork: any dimensions are fine,
    but the file must be a JPEG or PNG image that Pillow can read. Past
    ``MAX_PICTURES`` addresses the rest are left out, so a feed cannot keep a
    worker downloading for hours.
    """
    addresses = list(dict.fromkeys(url for url in urls if url))
    if len(addresses) > MAX_PICTURES:
        notes.append(
            Note(
                "pictures-too-many",
                f"Pictures left out: of {len(addresses)} picture addresses only the first "
                f"{MAX_PICTURES} are imported.",
                {"count": len(addresses), "limit": MAX_PICTURES},
            )
        )
    found: dict[str, tuple[IO[bytes], ImageType]] = {}
    for url in addresses[:MAX_PICTURES]:
        try:
            stream, _ = files.enter_context(_downloaded(url, "image", on_chunk=keep_lease))
        except _Skip as exc:  # the reason names the address
            notes.append(Note("picture-left-out", f"Picture left out: {exc}", {"reason": exc.note}))
            continue
        image_type = sniff_image(stream)
        info = inspect_artwork(stream) if image_type else None
        if info is None or info.mime_type != image_type.mime_type:
            notes.append(
                Note(
                    "picture-not-image",
                    f"Picture left out: {url} is not a JPEG or PNG image.",
                    {"url": url},
                )
            )
            continue
        found[url] = (stream, image_type)
    return found


def _store_pictures(
    stored: ExitStack, show: Show, stem: str, pictures: dict[str, tuple[IO[bytes], ImageType]]
) -> dict[str, StoredFile]:
    """Store each checked picture; rows by source address, for the caller to commit."""
    rows = {}
    for number, (url, (stream, image_type)) in enumerate(pictures.items(), start=1):
        key = f"{show.slug}/pictures/{stem}-{number}{image_type.extension}"
        rows[url] = stored.enter_context(store_file(key, stream, image_type.mime_type))
    return rows


def _transcripts(
    files: ExitStack, episode: ForeignEpisode, notes: list[Note]
) -> list[tuple[str, IO[bytes], list[Cue]]]:
    """One transcript per language, parsed before it is kept.

    Of several files for one language the best timed one is taken: VTT, then
    SRT, JSON and HTML (which has start times only).
    """
    best: dict[str, tuple[int, str]] = {}
    for transcript in episode.transcripts:
        rank = _transcript_rank(transcript.mime_type, transcript.url)
        language = (transcript.language or "").strip()[:35] or "und"
        if rank is None:
            if language not in best:
                notes.append(
                    Note(
                        "transcript-type",
                        f"Transcript {transcript.url} left out: only WebVTT, SRT, JSON and HTML "
                        "transcripts are imported.",
                        {"url": transcript.url},
                    )
                )
            continue
        if language not in best or rank < best[language][0]:
            best[language] = (rank, transcript.url)
    found = []
    for language, (_, url) in sorted(best.items()):
        try:
            stream, _ = files.enter_context(_downloaded(url, "small"))
            _, cues = read_transcript(stream.read())
            stream.seek(0)
        except _Skip as exc:
            notes.append(_transcript_left_out(language, exc.note))
            continue
        except TranscriptError as exc:
            notes.append(_transcript_left_out(language, Note("transcript:unreadable", str(exc))))
            continue
        found.append((language, stream, cues))
    return found


def _transcript_left_out(language: str, reason: Note) -> Note:
    return Note(
        "transcript-left-out",
        f"Transcript ({language}) left out: {reason.message}",
        {"language": language, "reason": reason},
    )


def _transcript_rank(mime_type: str | None, url: str) -> int | None:
    """The preference of a transcript by its declared type, else by its URL's extension."""
    rank = TRANSCRIPT_TYPES.get((mime_type or "").split(";", 1)[0].strip().lower())
    if rank is not None:
        return rank
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    return next((r for ext, r in TRANSCRIPT_EXTENSIONS.items() if path.endswith(ext)), None)


def _save_episode(
    job: ImportJob,
    item: ImportItem,
    source: ForeignEpisode,
    audio_and_info: tuple[IO[bytes], AudioInfo],
    image: tuple[IO[bytes], str, str] | None,
    chapters: list[dict[str, Any]],
    pictures: dict[str, tuple[IO[bytes], ImageType]],
    transcripts: list[tuple[str, IO[bytes], list[Cue]]],
    notes: list[Note],
) -> None:
    """Store every file and create the episode and its rows, all in one transaction.

    Every attempt uses fresh keys: if two workers ever raced for one item
    (a lease lost mid-upload), the loser's cleanup can never delete the
    winner's objects.
    """
    show = job.show
    stem = uuid.uuid4().hex
    audio, info = audio_and_info
    with ExitStack() as stored:
        audio_row = stored.enter_context(
            store_file(
                f"{show.slug}/{stem}{info.extension}",
                audio,
                info.mime_type,
                duration=info.duration,
                original_filename=_filename(source.enclosure_url),
            )
        )
        image_row = None
        if image is not None:
            stream, mime_type, extension = image
            image_row = stored.enter_context(
                store_file(f"{show.slug}/artwork/{stem}{extension}", stream, mime_type)
            )
        transcript_rows = []
        for language, stream, cues in transcripts:
            row = stored.enter_context(
                store_file(
                    f"{show.slug}/transcripts/{stem}-{slugify(language) or 'und'}.txt",
                    stream,
                    "text/plain",
                )
            )
            transcript_rows.append(Transcript(language=language, file=row, cues=cues_to_data(cues)))
        kept = _store_pictures(stored, show, stem, pictures)
        episode = _episode_row(show, item, source, audio_row, image_row)
        episode.chapters = [
            Chapter(**{**values, "img": None, "img_file": kept.get(values["img"])})
            for values in chapters
        ]
        episode.transcripts = transcript_rows
        refresh_transcript_text(episode)  # the words go into the search index
        db.session.add(episode)
        db.session.flush()
        for position, person in enumerate(source.persons):
            row = _person_row(show.id, episode.id, position, person)
            row.img_file, row.img = kept.get(person.img), None
            db.session.add(row)
        item.state = "done"
        item.episode_id = episode.id
        _set_notes(item, notes)
        db.session.commit()


def _episode_row(
    show: Show,
    item: ImportItem,
    source: ForeignEpisode,
    audio: StoredFile,
    image: StoredFile | None,
) -> Episode:
    description, notes_html = _texts(source)
    title = _fit(Episode, "title", source.title.strip() or source.itunes_title or item.title)
    episode = Episode(
        show=show,
        guid=item.guid,
        slug=_unique_slug(show, title),
        title=title,
        description=description,
        notes_html=notes_html,
        explicit=source.explicit,
        published_at=source.published_at,
        audio=audio,
        image=image,
        itunes_title=_fit(Episode, "itunes_title", source.itunes_title),
        episode_number=source.episode_number,
        season_number=source.season_number,
        season_name=_fit(Episode, "season_name", source.season_name),
        episode_type=source.episode_type if source.episode_type in EPISODE_TYPES else "full",
        itunes_block=source.block,
        license=_fit(Episode, "license", source.license),
        soundbites=[
            {"start": start, "duration": length, "title": title}
            for start, length, title in source.soundbites
        ],
    )
    if source.location:
        episode.location_name = _fit(Episode, "location_name", source.location.name)
        episode.location_geo = _fit(Episode, "location_geo", source.location.geo)
        episode.location_osm = _fit(Episode, "location_osm", source.location.osm)
    return episode


def _texts(source: ForeignEpisode) -> tuple[str, str | None]:
    """(plain description, sanitized HTML notes).

    Hosts put HTML show notes in <description> (Libsyn, Anchor) or in
    content:encoded; either way the notes are sanitized with the feed's own
    rules, and the plain description is the notes as text when it was HTML.
    """
    description = source.description or ""
    html = source.content_html or (description if looks_like_html(description) else None)
    notes_html = sanitize_notes(html) if html else None
    if looks_like_html(description):
        description = plain_text(sanitize_notes(description))
    return description.strip(), notes_html or None


def _person_row(show_id: int, episode_id: int | None, position: int, person: Any) -> Person:
    return Person(
        show_id=show_id,
        episode_id=episode_id,
        position=position,
        name=_fit(Person, "name", person.name),
        role=_fit(Person, "role", person.role),
        group=_fit(Person, "group", person.group),
        img=_fit(Person, "img", person.img),
        href=_fit(Person, "href", person.href),
    )


# --- fetching ----------------------------------------------------------------------


@contextmanager
def _downloaded(
    url: str | None, kind: str, on_chunk: Any = None
) -> Iterator[tuple[IO[bytes], Any]]:
    """The file at ``url`` in a temporary file (rewound), within the limits for ``kind``.

    :raise _Skip: for any fetch failure, with the reason.
    """
    if not url:
        raise _Skip(Note("no-address", "No address given."))
    limits = _limits(kind)
    with tempfile.TemporaryFile() as out:
        try:
            fetched = fetch(url, out, limits, _policy(), on_chunk=on_chunk)
        except FetchError as exc:
            raise _Skip(_fetch_note(exc, url, limits)) from exc
        out.seek(0)
        yield out, fetched


def _fetch_note(exc: FetchError, url: str, limits: FetchLimits) -> Note:
    """A failed download by its FetchError code, with the values the studio's wording names.

    An error status without a number (a redirect without a Location) is worded apart,
    as the feed's refusal is (``fetch_refusal``).
    """
    code = "http_error" if exc.code == "http_status" and not exc.status else exc.code
    params: dict[str, Any] = {"url": url}
    if exc.status:
        params["status"] = exc.status
    if exc.code == "too_large":
        params["max_bytes"] = limits.max_bytes
    return Note(f"fetch:{code}", exc.message, params)


def _limits(kind: str) -> FetchLimits:
    """Size and time limits from the config: the feed, audio, and small side files."""
    config = current_app.config
    max_bytes = {
        "feed": config["IMPORT_MAX_FEED_BYTES"],
        "audio": config["IMPORT_MAX_FILE_BYTES"],
        "image": config["IMPORT_MAX_SIDE_FILE_BYTES"],
        "small": config["IMPORT_MAX_SIDE_FILE_BYTES"],
    }[kind]
    total = config["IMPORT_FEED_SECONDS"] if kind == "feed" else config["IMPORT_FILE_SECONDS"]
    return FetchLimits(
        max_bytes=max_bytes,
        connect_timeout=config["IMPORT_TIMEOUT"],
        read_timeout=config["IMPORT_TIMEOUT"],
        total_seconds=total,
    )


def _policy() -> HostPolicy:
    return HostPolicy(allowed=allowed_hosts(current_app.config["IMPORT_ALLOWED_HOSTS"]))


# --- small helpers -----------------------------------------------------------------


def _fit(model: type, name: str, value: str | None) -> str | None:
    """Cut text to its column's length: a long title must not fail a PostgreSQL commit."""
    if value is None:
        return None
    length = getattr(model.__table__.c[name].type, "length", None)
    value = value.strip()
    return value[:length] if length else value


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _address(value: object, base: str) -> str | None:
    """A URL from a side file, resolved against the file's own address."""
    text = _str_or_none(value)
    return urljoin(base, text.strip()) if text else None


def _filename(url: str | None) -> str | None:
    if not url:
        return None
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return name[:255] or None


# --- progress and the move ---------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    skipped: int
    pending: int

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * (self.done + self.skipped) / self.total)


def progress(job: ImportJob) -> Progress:
    counts = dict(
        db.session.execute(
            select(ImportItem.state, func.count())
            .where(ImportItem.job_id == job.id)
            .group_by(ImportItem.state)
        ).all()
    )
    return Progress(
        total=sum(counts.values()),
        done=counts.get("done", 0),
        skipped=counts.get("skipped", 0),
        pending=counts.get("pending", 0),
    )


def latest_job(show: Show) -> ImportJob | None:
    return db.session.scalar(
        select(ImportJob).where(ImportJob.show_id == show.id).order_by(ImportJob.id.desc())
    )


def set_locked(show_slug: str, locked: bool) -> Show:
    """podcast:locked on the new feed: no other host may import the show without its owner."""
    show = get_show(show_slug)
    show.locked = locked
    if locked and not show.locked_owner:
        show.locked_owner = show.owner_email
    db.session.commit()
    return show
