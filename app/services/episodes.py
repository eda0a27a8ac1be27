"""Adding episodes and finding the published ones."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable
from contextlib import ExitStack
from datetime import datetime
from typing import BinaryIO

from flask_babel import gettext
from sqlalchemy import event, select
from sqlalchemy.orm import Session, joinedload

from app.extensions import db
from app.models import Chapter, Episode, Person, Show, StoredFile, User, utcnow
from app.processing import audio_ready, enqueue_processing, queue_audio
from app.services import uploads
from app.services.errors import Conflict, InvalidInput, NotFound, UnsupportedMedia
from app.services.files import store_file
from app.services.shows import episode_defaults, get_show
from app.slugs import slugify
from media.probe import AudioInfo, CoverArt, UnsupportedAudio, probe_audio

MAX_TITLE_LENGTH = 255
COVER_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif"}


def add_episode(
    show_slug: str,
    audio: BinaryIO,
    *,
    title: str,
    description: str = "",
    filename: str | None = None,
    publish: bool = True,
    published_at: datetime | None = None,
    use_cover: bool = False,
    use_chapters: bool = False,
) -> Episode:
    """Probe, store and record one episode; the upload form and the CLI both call this.

    Cheap checks run before the audio is stored, so bad input never reaches storage.
    Like a browser upload, the episode starts with the show's default persons and,
    when asked, the file's embedded cover and chapter marks.

    :raise NotFound: for an unknown show.
    :raise InvalidInput: for a missing or over-long title.
    :raise UnsupportedMedia: when the file is not audio we can publish.
    :raise StorageUnavailable: when storage refuses the file; nothing is kept.
    """
    show = get_show(show_slug)
    title = _clean_title(title)
    info = _probe(audio)
    guid = str(uuid.uuid4())
    key = f"{show.slug}/{uuid.uuid4().hex}{info.extension}"
    cover = info.cover if use_cover else None
    with ExitStack() as stack:
        stored = stack.enter_context(
            store_file(
                key, audio, info.mime_type, duration=info.duration, original_filename=filename
            )
        )
        image = stack.enter_context(_store_cover(show, cover)) if cover else None
        episode = Episode(
            show=show,
            guid=guid,
            slug=_unique_slug(show, title),
            title=title,
            description=description.strip(),
            audio=stored,
            image=image,
            published_at=(published_at or utcnow()) if publish else None,
        )
        if use_chapters:
            episode.chapters = _chapters((c.start, c.title, c.url) for c in info.chapters)
        db.session.add(episode)
        _add_default_persons(show, episode)
        queue_audio(episode, stored)
        db.session.commit()
    enqueue_processing(episode.id)
    return episode


def add_episode_from_upload(
    show_slug: str,
    user: User,
    token: str,
    *,
    title: str,
    description: str = "",
    publish: bool = False,
    use_cover: bool = True,
    use_chapters: bool = True,
) -> Episode:
    """Make a finished browser upload an episode, with its cover and chapters, in one commit.

    The audio is already in storage (uploads.finish_upload put it there and
    probed it); this records it, and stores the file's embedded cover as the
    episode's artwork. If the commit fails, the cover object is removed and
    the upload stays, so the producer can simply save again.

    :raise NotFound: for an unknown show or upload.
    :raise Conflict: when the file has not finished uploading.
    :raise InvalidInput: for a missing or over-long title.
    :raise StorageUnavailable: when storage refuses the cover; nothing is kept.
    """
    show = get_show(show_slug)
    upload = uploads.get_upload(show, user, token)
    if upload.state != uploads.READY or not upload.probe:
        raise Conflict(gettext("The file has not finished uploading yet."), "audio")
    title = _clean_title(title)
    probe = upload.probe
    cover = uploads.read_audio(upload).cover if use_cover and probe["has_cover"] else None
    audio = StoredFile(
        storage_key=upload.storage_key,
        size=upload.size,
        sha256=upload.sha256 or "",
        mime_type=probe["mime_type"],
        duration=probe["duration"],
        original_filename=upload.filename,
    )
    with ExitStack() as stack:
        image = stack.enter_context(_store_cover(show, cover)) if cover else None
        episode = Episode(
            show=show,
            guid=str(uuid.uuid4()),
            slug=_unique_slug(show, title),
            title=title,
            description=description.strip(),
            audio=audio,
            image=image,
            published_at=utcnow() if publish else None,
        )
        if use_chapters:
            episode.chapters = _chapters(
                (c["start"], c["title"], c["url"]) for c in probe["chapters"]
            )
        db.session.add(episode)
        _add_default_persons(show, episode)
        queue_audio(episode, audio)
        db.session.delete(upload)
        db.session.commit()
    enqueue_processing(episode.id)
    return episode


def _chapters(marks: Iterable[tuple[float, str | None, str | None]]) -> list[Chapter]:
    """The file's chapter marks as rows; titles cut to the column's 255 characters."""
    return [
        Chapter(start_seconds=start, title=(title or "")[:255], url=url)
        for start, title, url in marks
    ]


def _add_default_persons(show: Show, episode: Episode) -> None:
    """Start the episode with the show's persons (its hosts, say), which the editor can change.

    Explicit and license need no copy: an episode without its own inherits the show's.
    """
    db.session.flush()  # the episode's id, for the rows below
    for position, values in enumerate(episode_defaults(show)["persons"]):
        db.session.add(Person(show_id=show.id, episode_id=episode.id, position=position, **values))


def _store_cover(show: Show, cover: CoverArt):
    """Keep the file's embedded picture as the episode's artwork, named by its type."""
    extension = COVER_EXTENSIONS.get(cover.mime_type, "")
    key = f"{show.slug}/{uuid.uuid4().hex}{extension}"
    return store_file(key, io.BytesIO(cover.data), cover.mime_type)


def _clean_title(title: str | None) -> str:
    title = (title or "").strip()
    if not title:
        raise InvalidInput(gettext("Give the episode a title."), "title")
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(
            gettext("The title may be at most %(count)d characters.", count=MAX_TITLE_LENGTH),
            "title",
        )
    return title


def _probe(audio: BinaryIO) -> AudioInfo:
    try:
        return probe_audio(audio)
    except UnsupportedAudio as exc:
        raise UnsupportedMedia(uploads.refusal_message(exc.code), "audio", code=exc.code) from exc


def _unique_slug(show: Show, title: str) -> str:
    """The title's slug, numbered when another episode of the show already has it."""
    base = slugify(title, max_length=100) or "episode"
    taken = set(
        db.session.scalars(
            select(Episode.slug).where(Episode.show_id == show.id, Episode.slug.startswith(base))
        )
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def published_episodes(show: Show, now: datetime | None = None) -> list[Episode]:
    """The show's public episodes, newest first, with their audio rows loaded in one query."""
    query = (
        select(Episode)
        .options(joinedload(Episode.audio))
        .where(Episode.show_id == show.id, Episode.published_at <= (now or utcnow()))
        .where(audio_ready())
        .order_by(Episode.published_at.desc(), Episode.id.desc())
    )
    return list(db.session.scalars(query))


def get_published_episode(show: Show, slug: str) -> Episode:
    """:raise NotFound: when the show has no published episode with this slug."""
    episode = db.session.scalar(
        select(Episode).where(Episode.show_id == show.id, Episode.slug == slug, audio_ready())
    )
    if episode is None or not episode.is_published():
        raise NotFound(gettext("There is no such episode."))
    return episode


# --- editor: GUIDs of deleted episodes are never used again ---


def check_guid_unused(guid: str) -> None:
    """For callers that bring their own GUID (imports): refuse one an episode had before.

    :raise InvalidInput: when a current or deleted episode has (had) this GUID.
    """
    from app.models import DeletedGuid

    if db.session.get(DeletedGuid, guid) is not None or db.session.scalar(
        select(Episode.id).where(Episode.guid == guid)
    ):
        raise InvalidInput(
            gettext("This GUID belonged to another episode and cannot be used again.")
        )


@event.listens_for(Session, "before_flush")
def _refuse_deleted_guids(session: Session, flush_context, instances) -> None:
    """Whoever creates an episode, a deleted episode's GUID never comes back.

    uuid4 GUIDs never collide, but imported ones are whatever the old host used.
    """
    from app.models import DeletedGuid

    guids = [obj.guid for obj in session.new if isinstance(obj, Episode) and obj.guid]
    if not guids:
        return
    with session.no_autoflush:
        taken = session.scalar(select(DeletedGuid.guid).where(DeletedGuid.guid.in_(guids)))
    if taken:
        raise InvalidInput(
            gettext("This GUID belonged to a deleted episode and cannot be used again.")
        )
