"""The episode editor's use cases: edit, publish, schedule, artwork, transcripts, chapters,
other formats of the audio, replace the audio, delete.

Each public function loads the episode by show *and* id (another show's id is a
404), validates everything before it changes anything, and commits once. Stored
objects that a change makes unreachable are deleted only after the commit, so a
failed commit never leaves a row pointing at a missing object. Every change that
alters an episode bumps ``Episode.lock_version`` in one compare-and-set UPDATE, so
a save based on an older version is refused (409) instead of silently overwriting.
Feed caches go stale by themselves (``app.services.feed_cache``).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import BinaryIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from markdown_it import MarkdownIt
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import (
    AlternateEnclosure,
    Chapter,
    DeletedGuid,
    Episode,
    Person,
    Show,
    StoredFile,
    Transcript,
    utcnow,
)
from app.processing.service import enqueue_processing, queue_audio
from app.services.errors import (
    Conflict,
    Forbidden,
    InvalidFields,
    InvalidInput,
    NotFound,
    UnsupportedMedia,
)
from app.services.feed_extras import (
    alternate_title,
    check_alternate,
    drop_transcript,
    store_alternate,
    store_transcript,
    transcript_refusal,
)
from app.services.files import delete_stored_quietly, store_file
from app.services.pictures import drop_unused_pictures, keep_stored_pictures, pictures_of
from app.services.uploads import refusal_message
from app.slugs import is_valid_slug
from app.storage import current_storage
from feeds.notes import limit_bytes, plain_text, sanitize_notes
from media.artwork import ArtworkRefused, verify_artwork
from media.probe import Chapter as AudioChapter
from media.probe import UnsupportedAudio, codec_name, probe_audio
from media.storage import StorageError
from media.transcripts import Cue, TranscriptError, read_transcript

log = logging.getLogger(__name__)

EPISODE_TYPES = ("full", "trailer", "bonus")
EXPLICIT_CHOICES = {"inherit": None, "yes": True, "no": False}
ACTIONS = ("save", "publish", "schedule", "unpublish")
DEFAULT_TIMEZONE = "Europe/Stockholm"
MAX_CHAPTERS_JSON_BYTES = 1024 * 1024
MAX_TRANSCRIPT_BYTES = 10 * 1024 * 1024  # hours of speech are a few hundred kilobytes
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
# The sanitizer keeps h3/h4 only; Markdown's # and ## become h3 rather than plain text.
_BIG_HEADINGS = re.compile(r"<(/?)h[12]>")
_SMALL_HEADINGS = re.compile(r"<(/?)h[56]>")
_TAG_LIKE = re.compile(r"<[^<>]*>")


@dataclass
class ChapterInput:
    start: str = ""
    title: str = ""
    url: str = ""
    img: str = ""

    def is_blank(self) -> bool:
        return not any(v.strip() for v in (self.start, self.title, self.url, self.img))


@dataclass
class PersonInput:
    name: str = ""
    role: str = ""
    group: str = ""
    img: str = ""
    href: str = ""

    def is_blank(self) -> bool:
        return not any(v.strip() for v in (self.name, self.role, self.group, self.img, self.href))


@dataclass
class EpisodeChanges:
    """What the edit form sent, as text: the service parses and validates it."""

    lock_version: int
    title: str = ""
    slug: str = ""
    notes_markdown: str = ""
    season_number: str = ""
    episode_number: str = ""
    episode_type: str = "full"
    explicit: str = "inherit"
    chapters: list[ChapterInput] = field(default_factory=list)
    persons: list[PersonInput] = field(default_factory=list)
    action: str = "save"
    publish_date: str = ""  # YYYY-MM-DD in the show's time zone
    publish_time: str = ""  # HH:MM in the show's time zone


# --- reading ----------------------------------------------------------------------


def get_episode(show: Show, episode_id: int) -> Episode:
    """:raise NotFound: unless the episode belongs to ``show``."""
    episode = db.session.scalar(
        select(Episode).where(Episode.id == episode_id, Episode.show_id == show.id)
    )
    if episode is None:
        raise NotFound(_("There is no such episode."))
    return episode


def status(episode: Episode, now: datetime | None = None) -> str:
    """``draft``, ``scheduled`` or ``published``."""
    if episode.published_at is None:
        return "draft"
    return "published" if episode.published_at <= (now or utcnow()) else "scheduled"


def slug_is_fixed(episode: Episode) -> bool:
    """Once an episode is (or is scheduled to be, or ever was) public, its URL never changes."""
    return episode.published_at is not None or episode.first_published_at is not None


def show_zone(show: Show) -> ZoneInfo:
    try:
        return ZoneInfo(show.timezone or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def person_rows(episode: Episode) -> list[Person]:
    return list(
        db.session.scalars(
            select(Person).where(Person.episode_id == episode.id).order_by(Person.position)
        )
    )


# --- the edit form ---------------------------------------------------------------------


def save_episode(
    show: Show,
    episode_id: int,
    changes: EpisodeChanges,
    *,
    editor: bool,
    now: datetime | None = None,
) -> Episode:
    """Apply the edit form: fields, notes, chapters, persons, and the publishing action.

    Authors (``editor`` False) may only save drafts; editors also publish, schedule
    and unpublish.

    :raise NotFound: for another show's episode.
    :raise Forbidden: for an author touching a public episode or publishing.
    :raise Conflict: when someone saved the episode since ``changes.lock_version``.
    :raise InvalidFields: with a message per wrong field; nothing is saved.
    """
    now = now or utcnow()
    episode = get_episode(show, episode_id)
    _check_role(episode, editor, changes.action)
    _bump(episode, changes.lock_version)
    errors: dict[str, str] = {}
    values = _parse_fields(show, episode, changes, errors)
    chapters = _parse_chapters(changes.chapters, episode.audio.duration, errors)
    persons = _parse_persons(changes.persons, errors)
    published_at = _parse_action(show, episode, changes, now, errors)
    if errors:
        db.session.rollback()
        raise InvalidFields(errors)
    for name, value in values.items():
        setattr(episode, name, value)
    _set_published(episode, published_at, now)
    pictures = pictures_of([*episode.chapters, *person_rows(episode)])
    episode.chapters = chapters
    new_persons = _replace_persons(show, episode, persons)
    keep_stored_pictures([*chapters, *new_persons], pictures)
    unused = _commit_or_slug_taken(pictures)
    delete_stored_quietly(unused)
    return episode


def _check_role(episode: Episode, editor: bool, action: str) -> None:
    if action not in ACTIONS:
        raise InvalidInput(_("Choose what to do with the episode."))
    if editor:
        return
    if episode.published_at is not None:
        raise Forbidden(_("Authors may edit drafts only; ask an editor to change this episode."))
    if action != "save":
        raise Forbidden(_("Only editors may publish, schedule or unpublish episodes."))


def _bump(episode: Episode, version: int) -> None:
    """Compare and bump the lock version in one UPDATE, so two saves cannot both win.

    On PostgreSQL the second of two concurrent UPDATEs waits for the first to commit,
    then matches no row; on SQLite writers are serialised anyway.

    :raise Conflict: when the row's version is no longer ``version``.
    """
    result = db.session.execute(
        update(Episode)
        .where(Episode.id == episode.id, Episode.lock_version == version)
        .values(lock_version=version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(
            _(
                "Someone else saved this episode while you were editing it. Your changes "
                "are below but not saved; compare them with the saved episode, then save "
                "again to overwrite."
            )
        )
    set_committed_value(episode, "lock_version", version + 1)


def _parse_fields(
    show: Show, episode: Episode, changes: EpisodeChanges, errors: dict[str, str]
) -> dict[str, object]:
    values: dict[str, object] = {}
    title = changes.title.strip()
    if not title:
        errors["title"] = _("Give the episode a title.")
    elif len(title) > 255:
        errors["title"] = _("The title may be at most 255 characters.")
    values["title"] = title
    slug = changes.slug.strip()
    if slug and slug != episode.slug:
        if slug_is_fixed(episode):
            errors["slug"] = _("The address of a published episode cannot change.")
        elif not is_valid_slug(slug):
            errors["slug"] = _(
                "Use lower-case letters a–z, digits and single hyphens, at most 80 characters."
            )
        elif _slug_taken(show, episode, slug):
            errors["slug"] = _("Another episode of this show already has this address.")
        values["slug"] = slug
    values["notes_markdown"] = changes.notes_markdown.strip() or None
    values["notes_html"], values["description"] = render_notes(changes.notes_markdown)
    values["season_number"] = _number(changes.season_number, "season_number", errors)
    values["episode_number"] = _number(changes.episode_number, "episode_number", errors)
    if changes.episode_type not in EPISODE_TYPES:
        errors["episode_type"] = _("Choose full, trailer or bonus.")
    values["episode_type"] = changes.episode_type
    if changes.explicit not in EXPLICIT_CHOICES:
        errors["explicit"] = _("Choose whether the episode is explicit.")
    values["explicit"] = EXPLICIT_CHOICES.get(changes.explicit)
    return values


def _slug_taken(show: Show, episode: Episode, slug: str) -> bool:
    return (
        db.session.scalar(
            select(Episode.id).where(
                Episode.show_id == show.id, Episode.slug == slug, Episode.id != episode.id
            )
        )
        is not None
    )


def render_notes(markdown: str) -> tuple[str | None, str]:
    """Markdown to sanitized HTML for content:encoded, and plain text within Apple's limit.

    Raw HTML in the Markdown is shown as text, and the result goes through the
    feed's sanitizer as well, so no script can reach a page or an app.
    """
    if not markdown.strip():
        return None, ""
    rendered = _MARKDOWN.render(markdown)
    rendered = _SMALL_HEADINGS.sub(r"<\1h4>", _BIG_HEADINGS.sub(r"<\1h3>", rendered))
    notes_html = sanitize_notes(rendered)
    # Some apps read description as HTML: tag-like text typed into the notes goes too.
    text = _TAG_LIKE.sub("", plain_text(notes_html))
    return notes_html, limit_bytes(text)


def _number(text: str, name: str, errors: dict[str, str]) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 99999:
        errors[name] = _("Enter a whole number from 1 up, or leave it empty.")
        return None
    return int(text)


def parse_clock(text: str) -> float | None:
    """``"1:02:03"``, ``"2:03"``, ``"75"`` or ``"1:02:03.5"`` as seconds; None if unreadable.

    >>> parse_clock("1:02:03"), parse_clock("2:03.5"), parse_clock("x")
    (3723.0, 123.5, None)
    """
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3 or not all(parts):
        return None
    try:
        *whole, last = parts
        if any(not p.isdigit() for p in whole) or not re.fullmatch(r"\d+(\.\d{1,3})?", last):
            return None
        if (whole and float(last) >= 60) or (len(whole) == 2 and int(whole[1]) >= 60):
            return None
        seconds = float(last)
        for index, part in enumerate(reversed(whole), start=1):
            seconds += int(part) * 60**index
        return seconds
    except ValueError:
        return None


def _parse_chapters(
    rows: Iterable[ChapterInput], duration: float | None, errors: dict[str, str]
) -> list[Chapter]:
    """Chapters in the table's order: times inside the audio and ascending, titles required."""
    chapters: list[Chapter] = []
    previous = -1.0
    for index, row in enumerate(rows):
        if row.is_blank():
            continue
        prefix = f"chapters-{index}-"
        start = parse_clock(row.start)
        if start is None:
            errors[prefix + "start"] = _("Write the start as hh:mm:ss, for example 0:01:30.")
        elif duration and start >= duration:
            errors[prefix + "start"] = _("The chapter starts after the audio ends.")
        elif start <= previous:
            errors[prefix + "start"] = _("Each chapter must start after the one before it.")
        title = row.title.strip()
        if not title:
            errors[prefix + "title"] = _("Give the chapter a title.")
        elif len(title) > 255:
            errors[prefix + "title"] = _("The title may be at most 255 characters.")
        url = _web_address(row.url, prefix + "url", errors)
        img = _web_address(row.img, prefix + "img", errors)
        if start is not None:
            previous = max(previous, start)
        chapters.append(Chapter(start_seconds=start or 0.0, title=title, url=url, img=img))
    return chapters


def _parse_persons(rows: Iterable[PersonInput], errors: dict[str, str]) -> list[dict]:
    persons = []
    for index, row in enumerate(rows):
        if row.is_blank():
            continue
        prefix = f"persons-{index}-"
        name = row.name.strip()
        if not name:
            errors[prefix + "name"] = _("Give the person's name.")
        elif len(name) > 128:
            errors[prefix + "name"] = _("The name may be at most 128 characters.")
        for key in ("role", "group"):
            if len(getattr(row, key).strip()) > 100:
                errors[prefix + key] = _("At most 100 characters.")
        persons.append(
            {
                "name": name,
                "role": row.role.strip() or None,
                "group": row.group.strip() or None,
                "img": _web_address(row.img, prefix + "img", errors),
                "href": _web_address(row.href, prefix + "href", errors),
            }
        )
    return persons


def _web_address(text: str, name: str, errors: dict[str, str]) -> str | None:
    text = text.strip()
    if not text:
        return None
    if not re.match(r"^https?://[^\s/]+", text) or len(text) > 1000 or not text.isascii():
        errors[name] = _("Enter a web address starting with https://")
    return text


def _parse_action(
    show: Show, episode: Episode, changes: EpisodeChanges, now: datetime, errors: dict[str, str]
) -> datetime | None:
    """The publish time the action asks for; ``save`` keeps the current one."""
    if changes.action == "publish":
        is_live = episode.published_at is not None and episode.published_at <= now
        return episode.published_at if is_live else now
    if changes.action == "unpublish":
        return None
    if changes.action == "schedule":
        return _schedule_time(show, changes, now, errors)
    return episode.published_at


def _schedule_time(
    show: Show, changes: EpisodeChanges, now: datetime, errors: dict[str, str]
) -> datetime | None:
    """The date and time, read in the show's time zone, as UTC; refused in the past."""
    try:
        day = date.fromisoformat(changes.publish_date.strip())
        clock = time.fromisoformat(changes.publish_time.strip() or "00:00")
    except ValueError:
        errors["publish_date"] = _("Enter the date as YYYY-MM-DD and the time as HH:MM.")
        return None
    when = datetime.combine(day, clock.replace(tzinfo=None), tzinfo=show_zone(show))
    if when <= now:
        errors["publish_date"] = _(
            "This time has already passed. Choose a time in the future, or publish now."
        )
        return None
    return when


def _set_published(episode: Episode, published_at: datetime | None, now: datetime) -> None:
    """Remember that the episode was public, so its slug stays fixed after an unpublish."""
    was = episode.published_at
    if published_at is None and was is not None and was <= now:
        episode.first_published_at = episode.first_published_at or was
    if published_at is not None and published_at <= now:
        episode.first_published_at = episode.first_published_at or published_at
    episode.published_at = published_at


def _replace_persons(show: Show, episode: Episode, persons: list[dict]) -> list[Person]:
    """ORM deletes and inserts, so the feed cache listener sees them; the new rows."""
    for row in person_rows(episode):
        db.session.delete(row)
    rows = [
        Person(show_id=show.id, episode_id=episode.id, position=position, **person)
        for position, person in enumerate(persons)
    ]
    db.session.add_all(rows)
    return rows


def _commit_or_slug_taken(pictures: list[StoredFile]) -> list[str]:
    """Two editors may claim the same slug at once; the unique constraint decides.

    ``pictures`` are the stored pictures the old rows had: the ones no row keeps
    are deleted in the same commit; their keys are returned for storage.
    """
    try:
        unused = drop_unused_pictures(pictures)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise InvalidFields(
            {"slug": _("Another episode of this show already has this address.")}
        ) from exc
    return unused


# --- artwork -------------------------------------------------------------------------

ARTWORK_MESSAGES = {
    "not_image": lambda: _(
        "The file is not a JPEG or PNG image (SVG and other types are refused)."
    ),
    "corrupt": lambda: _("The image is damaged or incomplete."),
    "too_many_pixels": lambda: _(
        "The image has far too many pixels; artwork is at most 3000 × 3000."
    ),
    "not_square": lambda: _("The image must be square."),
    "size": lambda: _("The image must be 1400 to 3000 pixels wide and high."),
    "colour": lambda: _("The image must be in RGB colour (not CMYK or greyscale)."),
}


def set_artwork(
    show: Show,
    episode_id: int,
    image: BinaryIO,
    *,
    lock_version: int,
    editor: bool,
    filename: str | None = None,
) -> Episode:
    """Store checked episode artwork; the old image is deleted after the commit.

    :raise InvalidInput: (field ``artwork``) for anything but a whole square JPEG or PNG
        of 1400-3000 px; nothing is stored.
    """
    episode = get_episode(show, episode_id)
    _check_role(episode, editor, "save")
    try:
        kind, _info = verify_artwork(image)
    except ArtworkRefused as exc:
        raise InvalidInput(ARTWORK_MESSAGES[exc.code](), "artwork") from exc
    _bump(episode, lock_version)
    old = episode.image
    key = f"{show.slug}/artwork/{uuid.uuid4().hex}{kind.extension}"
    with store_file(key, image, kind.mime_type, original_filename=filename) as stored:
        episode.image = stored
        if old is not None:
            db.session.flush()
            db.session.delete(old)
        db.session.commit()
    delete_stored_quietly([old.storage_key] if old else [])
    return episode


def remove_artwork(show: Show, episode_id: int, *, lock_version: int, editor: bool) -> None:
    """The episode uses the show's artwork again."""
    episode = get_episode(show, episode_id)
    _check_role(episode, editor, "save")
    _bump(episode, lock_version)
    old = episode.image
    if old is not None:
        episode.image = None
        db.session.flush()
        db.session.delete(old)
    db.session.commit()
    delete_stored_quietly([old.storage_key] if old else [])


# --- transcripts ---------------------------------------------------------------------

# The kept original's key extension and type. An HTML transcript is kept as plain
# text: a page of someone else's markup must never be served as HTML from our origin.
TRANSCRIPT_TYPES = {
    "vtt": ("vtt", "text/vtt"),
    "srt": ("srt", "application/x-subrip"),
    "json": ("json", "application/json"),
    "html": ("txt", "text/plain"),
}


def add_transcript(
    show: Show,
    episode_id: int,
    language: str,
    source: BinaryIO,
    *,
    lock_version: int,
    editor: bool,
    filename: str = "",
) -> Transcript:
    """Store a WebVTT, SRT, JSON or HTML transcript for one language, replacing that
    language's old one.

    The feed and the public routes derive VTT, SRT, JSON and HTML from it.

    :raise InvalidInput: for a bad language code or a file that is not such a transcript;
        nothing is stored.
    """
    episode = get_episode(show, episode_id)
    _check_role(episode, editor, "save")
    language = language.strip()
    if not _LANGUAGE.match(language) or len(language) > 35:
        raise InvalidInput(_("Give the transcript's language code, for example “sv”."), "language")
    data = source.read(MAX_TRANSCRIPT_BYTES + 1)
    if len(data) > MAX_TRANSCRIPT_BYTES:
        raise InvalidInput(_("A transcript may be at most 10 MB."), "transcript")
    kind, cues = transcript_kind(data)
    _bump(episode, lock_version)
    extension, mime_type = TRANSCRIPT_TYPES[kind]
    key = f"{show.slug}/transcripts/{uuid.uuid4().hex}.{extension}"
    return store_transcript(episode, language, data, cues, key, mime_type, filename or None)


def transcript_kind(data: bytes) -> tuple[str, list[Cue]]:
    """``vtt``, ``srt``, ``json`` or ``html`` by content, and the parsed cues, so the file
    is parsed once.

    :raise InvalidInput: (field ``transcript``) for anything else.
    """
    try:
        return read_transcript(data)
    except TranscriptError as exc:
        raise InvalidInput(transcript_refusal(), "transcript") from exc


def remove_transcript(
    show: Show, episode_id: int, language: str, *, lock_version: int, editor: bool
) -> None:
    """:raise NotFound: when the episode has no transcript in ``language``."""
    episode = get_episode(show, episode_id)
    _check_role(episode, editor, "save")
    old = next((t for t in episode.transcripts if t.language == language), None)
    if old is None:
        raise NotFound(_("There is no transcript in this language."))
    _bump(episode, lock_version)
    drop_transcript(episode, old)


# --- other formats (podcast:alternateEnclosure) ---------------------------------------


def add_alternate_enclosure(
    show: Show,
    episode_id: int,
    audio: BinaryIO,
    *,
    lock_version: int,
    editor: bool,
    title: str = "",
    filename: str | None = None,
) -> AlternateEnclosure:
    """Store the episode's audio in another format; the feed offers it as
    podcast:alternateEnclosure beside the main enclosure.

    Checked as the command line checks it (``feed_extras.check_alternate``)
    before anything is stored.

    :raise UnsupportedMedia: (field ``alternate``) for a file that is not audio we
        can publish; nothing is stored.
    :raise InvalidInput: (field ``alternate``) for a type the episode already offers
        or audio of another length; (field ``alternate_title``) for a long title.
    :raise Conflict: when someone saved the episode since ``lock_version``.
    """
    episode = get_episode(show, episode_id)
    _check_role(episode, editor, "save")
    checked_title = alternate_title(title, "alternate_title")
    info = check_alternate(episode, audio, "alternate")
    _bump(episode, lock_version)
    return store_alternate(episode, audio, info, title=checked_title, filename=filename)


def remove_alternate_enclosure(
    show: Show, episode_id: int, alternate_id: int, *, lock_version: int, editor: bool
) -> str:
    """Remove one of the episode's other formats: its row, its file's row, and after
    the commit its object. Returns its name (``alternate_name``), to tell the producer.

    :raise NotFound: for an alternate that is not this episode's.
    :raise Conflict: when someone saved the episode since ``lock_version``.
    """
    episode = get_episode(show, episode_id)
    _check_role(episode, editor, "save")
    alternate = next((a for a in episode.alternate_enclosures if a.id == alternate_id), None)
    if alternate is None:
        raise NotFound(_("This episode has no such audio format."))
    _bump(episode, lock_version)
    name, stored = alternate_name(alternate), alternate.file
    key = stored.storage_key
    episode.alternate_enclosures.remove(alternate)
    db.session.flush()
    db.session.delete(stored)
    db.session.commit()
    delete_stored_quietly([key])
    return name


def alternate_name(alternate: AlternateEnclosure) -> str:
    """What the producer calls the format: its title, else its codec's name (``Opus``)."""
    return alternate.title or alternate_format(alternate)


def alternate_format(alternate: AlternateEnclosure) -> str:
    """``Opus (audio/ogg)``: the type alone cannot tell Opus from Vorbis; the codec can."""
    name = codec_name(alternate.codecs)
    return f"{name} ({alternate.file.mime_type})" if name else alternate.file.mime_type


# --- chapter imports -----------------------------------------------------------------


def chapters_from_json(data: bytes) -> list[ChapterInput]:
    """Rows from a JSON chapters 1.2 file, for the table to show and save.

    :raise InvalidInput: (field ``chapters_file``) for anything that is not such a file.
    """
    refused = _("The file is not a JSON chapters file (version 1.2).")
    if len(data) > MAX_CHAPTERS_JSON_BYTES:
        raise InvalidInput(refused, "chapters_file")
    try:
        document = json.loads(data.decode("utf-8-sig"))
        items = document["chapters"]
        rows = [
            ChapterInput(
                start=clock_text(float(item["startTime"])),
                title=str(item.get("title") or ""),
                url=str(item.get("url") or ""),
                img=str(item.get("img") or ""),
            )
            for item in items
            if item.get("toc", True) is not False
        ]
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise InvalidInput(refused, "chapters_file") from exc
    if not rows:
        raise InvalidInput(_("The chapters file holds no chapters."), "chapters_file")
    return rows


def chapters_from_audio(show: Show, episode_id: int) -> list[ChapterInput]:
    """Rows from the stored audio's chapter tags (ID3 CHAP, MP4 chapters), read in place.

    :raise InvalidInput: when the audio has no chapters.
    """
    episode = get_episode(show, episode_id)
    try:
        with current_storage().open(episode.audio.storage_key) as stream:
            info = probe_audio(stream)
    except (StorageError, UnsupportedAudio) as exc:
        raise UnsupportedMedia(_("The audio file could not be read."), "audio") from exc
    if not info.chapters:
        raise InvalidInput(_("The audio file has no chapter marks."), "chapters_file")
    return [
        ChapterInput(
            start=clock_text(chapter.start),
            title=chapter.title or _("Chapter %(number)s", number=number),
            url=chapter.url or "",
        )
        for number, chapter in enumerate(info.chapters, start=1)
    ]


def import_chapters(
    show: Show, episode_id: int, rows: list[ChapterInput], *, lock_version: int, editor: bool
) -> Episode:
    """Replace the episode's chapters with imported rows, validated like the table's.

    :raise InvalidFields: naming the first row that is wrong; nothing is saved.
    """
    episode = get_episode(show, episode_id)
    _check_role(episode, editor, "save")
    _bump(episode, lock_version)
    errors: dict[str, str] = {}
    chapters = _parse_chapters(rows, episode.audio.duration, errors)
    if errors:
        db.session.rollback()
        first = next(iter(errors.values()))
        raise InvalidInput(
            _("The chapters were not imported: %(reason)s", reason=first), "chapters_file"
        )
    pictures = pictures_of(episode.chapters)
    episode.chapters = chapters
    keep_stored_pictures(chapters, pictures)
    unused = drop_unused_pictures(pictures)
    db.session.commit()
    delete_stored_quietly(unused)
    return episode


def clock_text(seconds: float) -> str:
    """Seconds as the table's hh:mm:ss, with milliseconds only when there are some.

    >>> clock_text(3723.0), clock_text(1.5)
    ('01:02:03', '00:00:01.5')
    """
    millis = round(seconds * 1000)
    whole, rest = divmod(millis, 1000)
    hours, remainder = divmod(whole, 3600)
    minutes, secs = divmod(remainder, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return text + (f".{rest:03d}".rstrip("0") if rest else "")


# --- replacing the audio, deleting -------------------------------------------------------


@dataclass(frozen=True)
class AudioReplaced:
    """What replacing the audio changed besides the audio, so the producer can be told.

    Chapters and soundbites are plain ``(start, title)`` and ``(start, duration, title)``
    tuples and alternates their titles (or MIME types), so they outlive the session.
    """

    episode: Episode
    duration: float
    dropped_chapters: tuple[tuple[float, str], ...] = ()
    dropped_soundbites: tuple[tuple[float, float, str | None], ...] = ()
    dropped_alternates: tuple[str, ...] = ()
    file_chapters: int = 0  # chapter marks the new file carries
    chapters_from_file: bool = False  # the episode's chapters are now the file's


def replace_audio(
    show: Show,
    episode_id: int,
    audio: BinaryIO,
    *,
    lock_version: int,
    filename: str | None = None,
    use_file_chapters: bool = False,
) -> AudioReplaced:
    """New audio under a new key: the enclosure URL changes, so apps download it again;
    the GUID stays, so they know it is the same episode.

    What described the old audio is brought in line in the same commit: with
    ``use_file_chapters`` and chapter marks in the new file, those become the
    chapters; otherwise chapters starting at or after the new end are dropped.
    Soundbites that no longer fit are dropped, and the alternate enclosures (the
    old audio in other formats) are removed. The old objects go after the commit.

    :raise UnsupportedMedia: when the file is not audio we can publish; nothing is stored.
    :raise InvalidInput: (field ``audio``) when the file's chapter marks, asked for,
        cannot be used; nothing is stored.
    :raise Conflict: when someone saved the episode since ``lock_version``.
    """
    episode = get_episode(show, episode_id)
    try:
        info = probe_audio(audio)
    except UnsupportedAudio as exc:
        raise UnsupportedMedia(refusal_message(exc.code), "audio", code=exc.code) from exc
    file_chapters = (
        _file_chapters(info.chapters, info.duration)
        if use_file_chapters and info.chapters
        else None
    )
    _bump(episode, lock_version)
    old = episode.audio
    alternates = list(episode.alternate_enclosures)
    old_files = [old, *(a.file for a in alternates)]
    processed = episode.audio_processing
    if processed is not None and processed.master_id != old.id:
        old_files.append(processed.master)
    if file_chapters is None:
        chapters = [c for c in episode.chapters if c.start_seconds < info.duration]
        dropped_chapters = [c for c in episode.chapters if c.start_seconds >= info.duration]
    else:
        chapters, dropped_chapters = file_chapters, []
    bites = list(episode.soundbites or ())
    kept_bites = [b for b in bites if _soundbite_fits(b, info.duration)]
    dropped_bites = [b for b in bites if not _soundbite_fits(b, info.duration)]
    result = AudioReplaced(
        episode=episode,
        duration=info.duration,
        dropped_chapters=tuple((c.start_seconds, c.title) for c in dropped_chapters),
        dropped_soundbites=tuple(
            (b["start"], b["duration"], b.get("title")) for b in dropped_bites
        ),
        dropped_alternates=tuple(alternate_name(a) for a in alternates),
        file_chapters=len(info.chapters),
        chapters_from_file=file_chapters is not None,
    )
    key = f"{show.slug}/{uuid.uuid4().hex}{info.extension}"
    pictures = pictures_of(episode.chapters)
    with store_file(
        key, audio, info.mime_type, duration=info.duration, original_filename=filename
    ) as stored:
        episode.audio = stored
        episode.chapters = chapters
        if dropped_bites:
            episode.soundbites = kept_bites
        queue_audio(episode, stored)
        episode.alternate_enclosures = []
        db.session.flush()
        for unused in old_files:
            db.session.delete(unused)
        unused_pictures = drop_unused_pictures(pictures)  # of the chapters dropped
        db.session.commit()
    delete_stored_quietly([f.storage_key for f in old_files] + unused_pictures)
    enqueue_processing(episode.id)
    return result


def _file_chapters(marks: Iterable[AudioChapter], duration: float) -> list[Chapter]:
    """The new file's chapter marks as the episode's chapters, checked like the table's.

    :raise InvalidInput: (field ``audio``) naming what is wrong with them.
    """
    rows = [
        ChapterInput(
            start=clock_text(mark.start),
            title=mark.title or _("Chapter %(number)s", number=number),
            url=mark.url or "",
        )
        for number, mark in enumerate(marks, start=1)
    ]
    errors: dict[str, str] = {}
    chapters = _parse_chapters(rows, duration, errors)
    if errors:
        first = next(iter(errors.values()))
        raise InvalidInput(
            _("The new file's chapter marks cannot be used: %(reason)s", reason=first), "audio"
        )
    return chapters


def _soundbite_fits(bite: dict, duration: float) -> bool:
    """A soundbite must lie wholly inside the audio (Podcast Index: start plus duration)."""
    return float(bite["start"]) + float(bite["duration"]) <= duration


def delete_episode(show: Show, episode_id: int) -> str:
    """Delete the episode, its rows and its stored objects; its GUID is kept as a tombstone.

    Returns the deleted episode's title.
    """
    episode = get_episode(show, episode_id)
    title = episode.title
    files: list[StoredFile] = [episode.audio]
    processed = episode.audio_processing
    if processed is not None and processed.master_id != episode.audio_id:
        files.append(processed.master)
    files += [episode.image] if episode.image else []
    files += [t.file for t in episode.transcripts]
    files += [a.file for a in episode.alternate_enclosures]
    keys = [f.storage_key for f in files]
    persons = person_rows(episode)
    pictures = pictures_of([*episode.chapters, *persons])
    for person in persons:
        db.session.delete(person)
    db.session.flush()  # before the episode: a person's picture ties it to stored_files too
    db.session.add(DeletedGuid(guid=episode.guid, show_id=show.id))
    db.session.delete(episode)
    db.session.flush()
    for stored in files:
        db.session.delete(stored)
    keys += drop_unused_pictures(pictures)  # a show person's picture stays with the show
    db.session.commit()
    delete_stored_quietly(keys)
    return title
