"""Setting a show's and an episode's feed fields, and serving chapters and transcripts.

The studio (and the CLI) call these; each validates first and commits once, so
bad input leaves nothing half-written. Feed caches go stale by themselves.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from flask_babel import gettext
from sqlalchemy import Integer, delete, select

from app.extensions import db
from app.formatting import clock
from app.models import AlternateEnclosure, Chapter, Episode, Person, Show, Transcript
from app.services.episodes import get_published_episode
from app.services.errors import InvalidInput, NotFound, UnsupportedMedia
from app.services.feed_cache import mark_stale
from app.services.files import delete_stored_quietly, store_file
from app.services.pictures import (
    drop_unused_pictures,
    keep_stored_pictures,
    picture_url,
    pictures_of,
)
from app.services.shows import get_show
from app.services.uploads import refusal_message
from app.storage import current_storage
from feeds.categories import is_valid_category
from feeds.chapters import Chapter as FeedChapter
from feeds.chapters import render_chapters, web_link
from feeds.notes import sanitize_notes
from media.probe import AudioInfo, UnsupportedAudio, probe_audio
from media.storage import StorageError
from media.transcripts import (
    FORMATS,
    Cue,
    TranscriptError,
    cues_from_data,
    cues_to_data,
    plain_text,
    read_transcript,
    render_transcript,
)

ITUNES_TYPES = ("episodic", "serial")
EPISODE_TYPES = ("full", "trailer", "bonus")
MEDIUMS = (
    "podcast",
    "music",
    "video",
    "film",
    "audiobook",
    "newsletter",
    "blog",
    "publisher",
    "course",
)
SHOW_FIELDS = {
    "itunes_title",
    "itunes_type",
    "complete",
    "itunes_block",
    "new_feed_url",
    "locked",
    "locked_owner",
    "medium",
    "license",
    "update_frequency",
    "update_frequency_text",
    "location_name",
    "location_geo",
    "location_osm",
    "funding",
    "txts",
    "podroll",
    "feed_page_size",
    "category",
    "subcategory",
    "copyright",
    "explicit",
}
EPISODE_FIELDS = {
    "notes_html",
    "itunes_title",
    "episode_number",
    "season_number",
    "season_name",
    "episode_type",
    "itunes_block",
    "license",
    "location_name",
    "location_geo",
    "location_osm",
    "soundbites",
    "explicit",
}


def update_show_feed(show_slug: str, **fields: Any) -> Show:
    """Set feed fields of a show (names as in ``SHOW_FIELDS``).

    :raise NotFound: for an unknown show.
    :raise InvalidInput: for an unknown field or a value Apple or the namespace refuses.
    """
    show = get_show(show_slug)
    _check_names(fields, SHOW_FIELDS)
    _check_choice(fields, "itunes_type", ITUNES_TYPES)
    _check_choice(fields, "medium", MEDIUMS)
    category = fields.get("category", show.category)
    subcategory = fields.get("subcategory", show.subcategory)
    if not is_valid_category(category, subcategory):
        raise InvalidInput(
            gettext(
                "“%(category)s” / “%(subcategory)s” is not in Apple's category list.",
                category=category,
                subcategory=subcategory,
            ),
            "category",
        )
    _check_items(fields, "funding", ("url", "text"))
    _check_items(fields, "txts", ("text",))
    _check_items(fields, "podroll", ("feed_guid",))
    _check_columns(Show, fields)
    size = fields.get("feed_page_size")
    if size is not None and size < 1:
        raise InvalidInput(gettext("A feed page must hold at least one episode."), "feed_page_size")
    for name, value in fields.items():
        setattr(show, name, value)
    db.session.commit()
    return show


def update_episode_feed(show_slug: str, episode_slug: str, **fields: Any) -> Episode:
    """Set feed fields of an episode (names as in ``EPISODE_FIELDS``).

    Show notes are sanitized here, so what is stored is what the feed carries.

    :raise NotFound: for an unknown show or episode.
    :raise InvalidInput: for an unknown field or a refused value.
    """
    episode = _episode(show_slug, episode_slug)
    _check_names(fields, EPISODE_FIELDS)
    _check_choice(fields, "episode_type", EPISODE_TYPES)
    _check_columns(Episode, fields)
    for number in ("episode_number", "season_number"):
        if fields.get(number) is not None and fields[number] < 0:
            raise InvalidInput(gettext("Episode and season numbers are 0 or more."), number)
    _check_items(fields, "soundbites", ("start", "duration"))
    for bite in fields.get("soundbites") or ():
        if not (_is_number(bite["start"]) and _is_number(bite["duration"])):
            raise InvalidInput(
                gettext("A soundbite's start and duration are seconds."), "soundbites"
            )
    if fields.get("notes_html"):
        fields["notes_html"] = sanitize_notes(fields["notes_html"])
    for name, value in fields.items():
        setattr(episode, name, value)
    db.session.commit()
    return episode


def set_persons(
    show_slug: str, persons: Iterable[dict[str, str]], episode_slug: str | None = None
) -> None:
    """Replace the show's (or one episode's) podcast:person list, keeping the given order.

    :raise InvalidInput: for a person without a name.
    """
    show = get_show(show_slug)
    episode = _episode(show_slug, episode_slug) if episode_slug else None
    rows = []
    for position, person in enumerate(persons):
        name = (person.get("name") or "").strip()
        if not name:
            raise InvalidInput(gettext("Every person needs a name."), "persons")
        _check_columns(Person, {key: person.get(key) for key in ("name", "role", "group")})
        rows.append(
            Person(
                show_id=show.id,
                episode_id=episode.id if episode else None,
                position=position,
                name=name,
                role=person.get("role"),
                group=person.get("group"),
                img=person.get("img"),
                href=person.get("href"),
            )
        )
    owner = Person.episode_id == episode.id if episode else Person.episode_id.is_(None)
    pictures = pictures_of(
        db.session.scalars(select(Person).where(Person.show_id == show.id, owner))
    )
    db.session.execute(delete(Person).where(Person.show_id == show.id, owner))
    keep_stored_pictures(rows, pictures)
    db.session.add_all(rows)
    unused = drop_unused_pictures(pictures)
    mark_stale(db.session, {show.id})  # a bulk delete passes no object through the flush
    db.session.commit()
    delete_stored_quietly(unused)


def set_chapters(show_slug: str, episode_slug: str, chapters: Iterable[dict[str, Any]]) -> None:
    """Replace an episode's chapters.

    :raise InvalidInput: for a chapter without a title or with a negative start.
    """
    episode = _episode(show_slug, episode_slug)
    rows = []
    for chapter in chapters:
        title = (chapter.get("title") or "").strip()
        start = float(chapter.get("start", -1))
        if not title or start < 0:
            raise InvalidInput(gettext("Each chapter needs a title and a start of 0 s or later."))
        if chapter.get("url") and web_link(chapter["url"]) is None:
            raise InvalidInput(gettext("Enter a web address starting with https://"))
        _check_columns(Chapter, {"title": title, "img": chapter.get("img")})
        rows.append(
            Chapter(
                start_seconds=start, title=title, img=chapter.get("img"), url=chapter.get("url")
            )
        )
    pictures = pictures_of(episode.chapters)
    episode.chapters = rows
    keep_stored_pictures(rows, pictures)
    unused = drop_unused_pictures(pictures)
    db.session.commit()
    delete_stored_quietly(unused)


def chapters_document(show_slug: str, episode_slug: str) -> bytes:
    """:raise NotFound: for an unpublished episode or one without chapters."""
    episode = get_published_episode(get_show(show_slug), episode_slug)
    if not episode.chapters:
        raise NotFound(gettext("This episode has no chapters."))
    return render_chapters(
        FeedChapter(start_seconds=c.start_seconds, title=c.title, img=picture_url(c), url=c.url)
        for c in episode.chapters
    )


def add_transcript(
    show_slug: str, episode_slug: str, language: str, source: BinaryIO, filename: str = ""
) -> Transcript:
    """Store a VTT, SRT, JSON or HTML transcript for one language, replacing that
    language's old one.

    The file is parsed before it is stored, so a file we cannot serve is never kept.
    The parsed cues are kept on the row (pages need no storage read) and the
    episode's searchable text is rebuilt in the same commit. A replaced file is
    removed from storage after the commit.

    :raise InvalidInput: for a missing language or a file that is not such a transcript.
    """
    episode = _episode(show_slug, episode_slug)
    language = language.strip()
    if not language or len(language) > 35 or not language.replace("-", "").isalnum():
        raise InvalidInput(
            gettext("Give the transcript's language code, for example “sv”."), "language"
        )
    data = source.read()
    try:
        _, cues = read_transcript(data)
    except TranscriptError as exc:
        raise InvalidInput(transcript_refusal(), "transcript") from exc
    key = f"{show_slug}/transcripts/{uuid.uuid4().hex}.txt"
    return store_transcript(episode, language, data, cues, key, "text/plain", filename)


def store_transcript(
    episode: Episode,
    language: str,
    data: bytes,
    cues: list[Cue],
    key: str,
    mime_type: str,
    filename: str | None,
) -> Transcript:
    """Store checked transcript bytes as the episode's ``language`` transcript, and commit.

    Replaces that language's old transcript. The parsed cues go on the row
    (pages need no storage read) and the episode's searchable text is rebuilt in
    the same commit; the replaced file leaves storage after the commit. Callers
    (this module, the studio editor) check the language and parse ``data`` first.
    """
    with store_file(key, io.BytesIO(data), mime_type, original_filename=filename) as stored:
        old = next((t for t in episode.transcripts if t.language == language), None)
        old_key = _drop_transcript(episode, old) if old is not None else None
        transcript = Transcript(language=language, file=stored, cues=cues_to_data(cues))
        episode.transcripts.append(transcript)
        refresh_transcript_text(episode)
        db.session.commit()
    if old_key:
        delete_stored_quietly([old_key])
    return transcript


def remove_transcript(show_slug: str, episode_slug: str, language: str) -> None:
    """Remove the episode's transcript in ``language``: its row, its file and its words
    from the search index.

    :raise NotFound: for an unknown episode or a language it has no transcript in.
    """
    episode = _episode(show_slug, episode_slug)
    old = next((t for t in episode.transcripts if t.language == language), None)
    if old is None:
        raise NotFound(gettext("There is no transcript in this language."))
    drop_transcript(episode, old)


def drop_transcript(episode: Episode, transcript: Transcript) -> None:
    """Remove the transcript's row, file and words from the search index, and commit."""
    old_key = _drop_transcript(episode, transcript)
    refresh_transcript_text(episode)
    db.session.commit()
    delete_stored_quietly([old_key])


def _drop_transcript(episode: Episode, transcript: Transcript) -> str:
    """Delete the row and its file's row (flushed, uncommitted); returns the storage key."""
    key = transcript.file.storage_key
    episode.transcripts.remove(transcript)
    db.session.delete(transcript.file)
    db.session.flush()
    return key


def refresh_transcript_text(episode: Episode) -> None:
    """What search finds of the episode's transcripts: every language's words.

    Every code that adds or removes a Transcript row calls this before its commit
    (this module, the studio editor, imports), so the search index stays whole.
    """
    episode.transcript_text = "\n\n".join(
        plain_text(cues_from_data(t.cues)) for t in episode.transcripts
    )


def transcript_document(show_slug: str, episode_slug: str, language: str, fmt: str) -> str:
    """:raise NotFound: for an unpublished episode, a missing language or an unknown format."""
    if fmt not in FORMATS:
        raise NotFound(gettext("Transcripts come as %(formats)s.", formats=", ".join(FORMATS)))
    episode = get_published_episode(get_show(show_slug), episode_slug)
    cues = db.session.scalar(
        select(Transcript.cues).where(
            Transcript.episode_id == episode.id, Transcript.language == language
        )
    )
    if cues is None:
        raise NotFound(gettext("There is no transcript in this language."))
    return render_transcript(cues_from_data(cues), fmt, language=language, title=episode.title)


# Encoders pad and trim differently, so the same episode in two formats differs by a
# fraction of a second; more than this is another edit (or another episode).
ALTERNATE_DURATION_TOLERANCE = 2.0


def add_alternate_enclosure(
    show_slug: str,
    episode_slug: str,
    audio: BinaryIO,
    *,
    title: str | None = None,
    filename: str | None = None,
) -> AlternateEnclosure:
    """Store the episode's audio in another format for podcast:alternateEnclosure.

    The command line's way in; the studio's is ``app.services.editing``. Both
    check with ``check_alternate`` and store with ``store_alternate``.

    :raise UnsupportedMedia: when the file is not audio we can publish.
    :raise InvalidInput: for a type the episode already offers, audio of another
        length, or a title that is too long.
    """
    episode = _episode(show_slug, episode_slug)
    title = alternate_title(title, "title")
    info = check_alternate(episode, audio, "audio")
    return store_alternate(episode, audio, info, title=title, filename=filename)


def alternate_title(title: str | None, field: str) -> str | None:
    """The title apps show for the format ("Opus, lower bandwidth"); blank means none.

    :raise InvalidInput: (``field``) when it does not fit its column.
    """
    title = (title or "").strip()
    limit = AlternateEnclosure.__table__.c.title.type.length
    if len(title) > limit:
        raise InvalidInput(
            gettext("The title may be at most %(count)d characters.", count=limit), field
        )
    return title or None


def check_alternate(episode: Episode, audio: BinaryIO, field: str) -> AudioInfo:
    """Probe ``audio`` and refuse what would be no use as another format of the episode.

    Refused: anything we cannot publish; a format the episode already offers
    (apps choose by type and codecs, so a second file of one format is never
    picked; Opus and Vorbis share ``audio/ogg`` but differ in codecs); a
    length that is not the main audio's, give or take
    ``ALTERNATE_DURATION_TOLERANCE``: it must be the same episode.

    :raise UnsupportedMedia: (``field``) when the file is not audio we can publish.
    :raise InvalidInput: (``field``) for a duplicate type or another length.
    """
    try:
        info = probe_audio(audio)
    except UnsupportedAudio as exc:
        raise UnsupportedMedia(refusal_message(exc.code), field, code=exc.code) from exc
    if _same_format(info, episode.audio.mime_type, lambda: _main_codecs(episode)):
        raise InvalidInput(
            gettext(
                "The episode's audio is already %(type)s. Upload another format, "
                "for example Opus or AAC (M4A).",
                type=info.mime_type,
            ),
            field,
        )
    if any(
        _same_format(info, a.file.mime_type, lambda a=a: a.codecs)
        for a in episode.alternate_enclosures
    ):
        raise InvalidInput(
            gettext(
                "The episode already has another format of type %(type)s. "
                "Remove it first to replace it.",
                type=info.mime_type,
            ),
            field,
        )
    main = episode.audio.duration
    if main is not None and abs(info.duration - main) > ALTERNATE_DURATION_TOLERANCE:
        raise InvalidInput(
            gettext(
                "The file is %(length)s long but the episode's audio is %(main)s. "
                "Another format must be the same recording.",
                length=clock(info.duration),
                main=clock(main),
            ),
            field,
        )
    return info


def _same_format(info: AudioInfo, mime_type: str, codecs: Callable[[], str | None]) -> bool:
    """Whether ``info`` is the format of a file of ``mime_type``, whose codecs are asked
    only when the type cannot tell (Ogg) and are unknown for files stored before codecs were.
    """
    if info.mime_type != mime_type:
        return False
    if mime_type != "audio/ogg":
        return True
    known = codecs()
    return known is None or known == info.codecs


def _main_codecs(episode: Episode) -> str | None:
    """The codecs of the episode's own audio, read from the stored file's header blocks."""
    try:
        with current_storage().open(episode.audio.storage_key) as stream:
            return probe_audio(stream).codecs or None
    except (StorageError, UnsupportedAudio, OSError):
        return None  # unknown: treated as the same format, as before codecs were recorded


def store_alternate(
    episode: Episode,
    audio: BinaryIO,
    info: AudioInfo,
    *,
    title: str | None,
    filename: str | None,
) -> AlternateEnclosure:
    """Store checked audio (``check_alternate``) as one of the episode's other formats,
    and commit; a failed commit removes the object again.
    """
    key = f"{episode.show.slug}/{uuid.uuid4().hex}{info.extension}"
    with store_file(
        key, audio, info.mime_type, duration=info.duration, original_filename=filename
    ) as stored:
        alternate = AlternateEnclosure(
            file=stored,
            title=title,
            bitrate=int(info.bitrate) if info.bitrate else None,
            codecs=info.codecs or None,
        )
        episode.alternate_enclosures.append(alternate)
        db.session.commit()
    return alternate


def transcript_refusal() -> str:
    """Why a file was refused as a transcript, in the user's language (the studio's words)."""
    return gettext(
        "The file is not a WebVTT, SRT, JSON or HTML transcript. "
        "Upload a .vtt, .srt, .json or .html file."
    )


def _episode(show_slug: str, episode_slug: str) -> Episode:
    """Any episode of the show, published or not: producers prepare drafts too."""
    show = get_show(show_slug)
    episode = db.session.scalar(
        select(Episode).where(Episode.show_id == show.id, Episode.slug == episode_slug)
    )
    if episode is None:
        raise NotFound(gettext("There is no such episode."))
    return episode


def _check_names(fields: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise InvalidInput(gettext("Unknown feed field: %(names)s.", names=", ".join(unknown)))


def _check_choice(fields: dict[str, Any], name: str, choices: tuple[str, ...]) -> None:
    if name in fields and fields[name] not in choices:
        raise InvalidInput(
            gettext("%(name)s must be one of %(choices)s.", name=name, choices=", ".join(choices)),
            name,
        )


def _check_items(fields: dict[str, Any], name: str, required: tuple[str, ...]) -> None:
    """List fields are stored as JSON, so their shape is checked before anything is saved."""
    if name not in fields:
        return
    items = fields[name]
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and all(item.get(key) not in (None, "") for key in required)
        for item in items
    ):
        raise InvalidInput(
            gettext("Each entry of %(name)s needs %(keys)s.", name=name, keys=", ".join(required)),
            name,
        )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _check_columns(model: type, fields: dict[str, Any]) -> None:
    """Refuse text longer than its column and non-numbers for number columns, before saving.

    PostgreSQL would refuse them at commit; the person should learn which field.
    """
    columns = model.__table__.c
    for name, value in fields.items():
        if value is None or name not in columns:
            continue
        column_type = columns[name].type
        if isinstance(column_type, Integer) and (
            not isinstance(value, int) or isinstance(value, bool)
        ):
            raise InvalidInput(gettext("%(name)s must be a whole number.", name=name), name)
        length = getattr(column_type, "length", None)
        if length and isinstance(value, str) and len(value) > length:
            raise InvalidInput(
                gettext("%(name)s may be at most %(count)d characters.", name=name, count=length),
                name,
            )
