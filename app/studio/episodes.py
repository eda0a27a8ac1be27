"""The episode editor and the show's episode list.

Handlers parse the form, call ``app.services.editing`` and render. A refused
change re-renders the editor with what was typed and the error beside its
field; a change that worked redirects back to the editor (post/redirect/get).
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date, format_time
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from app.delivery.previews import preview_url
from app.formatting import clock
from app.models import Episode, Show
from app.public.structured import podcast_episode
from app.services import catalog, editing, episode_drafts
from app.services.errors import Conflict, InvalidInput, ServiceError
from app.services.feed_health import feed_health
from app.services.pictures import picture_url
from app.studio import bp
from app.studio.access import can, studio_show
from app.studio.forms import EpisodeEditForm, EpisodeFileForm
from app.studio.health_text import health_text
from app.urls import MAX_ID, embed_url, episode_url

BLANK_ROWS = 3  # empty chapter and person rows, so the table works without JavaScript


@bp.app_template_global()
def show_time(moment: datetime | None, show: Show) -> str:
    """A UTC time as the show's producers read it: their zone, their locale's format.

    Date and time formatted apart, so the time has no seconds ("1 jan. 2025 01:00").
    """
    if moment is None:
        return ""
    zone = editing.show_zone(show)
    local = moment.astimezone(zone)
    locale = get_locale()
    day = format_date(local.date(), "medium", locale=locale)
    return f"{day} {format_time(local, 'short', tzinfo=zone, locale=locale)}"


def show_clock(moment: datetime, show: Show) -> str:
    """Only the time of day, in the show's zone and the reader's format (``14:05``)."""
    zone = editing.show_zone(show)
    return format_time(moment.astimezone(zone), "short", tzinfo=zone, locale=get_locale())


@bp.get("/<show_slug>/")
@login_required
def show(show_slug: str):
    """Episodes with status, duration, size and publish time, and the feed's health.

    :raise 404: for an unknown show or one the user is no member of.
    """
    found = studio_show(show_slug, "author")
    episodes = sorted(found.episodes, key=lambda e: e.created_at, reverse=True)
    try:
        findings = [health_text(finding) for finding in feed_health(found.slug)]
    except ServiceError:
        findings = None
    return render_template(
        "studio/show.html",
        show=found,
        episodes=episodes,
        status=editing.status,
        findings=findings,
    )


@bp.route("/<show_slug>/episodes/<int:episode_id>/edit", methods=["GET", "POST"])
@login_required
def edit_episode(show_slug: str, episode_id: int):
    """The editor. A POST saves, publishes, schedules or unpublishes (button ``action``).

    :raise 404: for another show's episode. :raise 403: for an author and a public episode.
    :raise 409: when someone saved since the form was loaded; what was typed is kept.
    """
    show = studio_show(show_slug, "author")
    episode = editing.get_episode(show, episode_id)
    if request.method == "GET":
        return _editor_with_draft(show, episode)
    form = EpisodeEditForm()
    _pad_rows(form)
    changes = _changes(form)
    try:
        editing.save_episode(show, episode.id, changes, editor=can(show, "editor"))
        episode_drafts.discard_draft(episode.id, current_user.id)
    except Conflict as exc:
        form.form_errors.append(exc.message)
        # The next save is a deliberate overwrite of what the other person saved.
        form.lock_version.data = str(editing.get_episode(show, episode_id).lock_version)
        return _editor(show, episode, form, status=409)
    except editing.InvalidFields as exc:
        _attach_errors(form, exc.errors)
        return _editor(show, editing.get_episode(show, episode_id), form, status=exc.status)
    except InvalidInput as exc:
        form.form_errors.append(exc.message)
        return _editor(show, episode, form, status=exc.status)
    flash(_saved_message(changes.action))
    return redirect(url_for("studio.edit_episode", show_slug=show.slug, episode_id=episode.id))


def _editor_with_draft(show: Show, episode: Episode):
    """The editor as saved; with ``?draft=restore`` as last typed; else offering a kept
    draft that differs from what is saved."""
    saved = _filled_form(show, episode)
    draft = episode_drafts.find_draft(episode.id, current_user.id)
    if draft is None:
        return _editor(show, episode, saved)
    if request.args.get("draft") == "restore":
        return _editor(show, episode, _draft_form(draft), draft=draft, restored=True)
    typed = _typed_fields(saved)
    names = (set(typed) | set(draft.fields)) - {"lock_version"}
    offer = episode_drafts.differs(draft, typed, names)
    return _editor(show, episode, saved, draft=draft if offer else None)


def _draft_form(draft) -> EpisodeEditForm:
    """The editor filled with a kept draft, based on the version it was typed on."""
    form = EpisodeEditForm(formdata=MultiDict(draft.fields))
    form.lock_version.data = str(draft.lock_version)
    _pad_rows(form)
    return form


def _typed_fields(form: EpisodeEditForm) -> dict[str, str]:
    """The editor's text by form name (``chapters-0-start``), without the token or files."""
    typed: dict[str, str] = {}
    for item in form:
        rows = item.entries if hasattr(item, "entries") else None
        for sub in [s for entry in rows for s in entry.form] if rows is not None else [item]:
            if sub.type not in ("CSRFTokenField", "FileField"):
                typed[sub.name] = sub.data if isinstance(sub.data, str) else ""
    return typed


def _saved_message(action: str) -> str:
    return {
        "publish": _("The episode is published."),
        "schedule": _("The episode is scheduled."),
        "unpublish": _("The episode is a draft again."),
    }.get(action, _("The episode is saved."))


def _filled_form(show: Show, episode: Episode) -> EpisodeEditForm:
    """The form as the episode is stored, plus empty rows for new chapters and persons."""
    form = EpisodeEditForm(formdata=None)
    form.lock_version.data = str(episode.lock_version)
    form.title.data = episode.title
    form.slug.data = episode.slug
    form.notes_markdown.data = (
        episode.notes_markdown if episode.notes_markdown is not None else episode.description
    )
    form.season_number.data = _text(episode.season_number)
    form.episode_number.data = _text(episode.episode_number)
    form.episode_type.data = episode.episode_type or "full"
    form.explicit.data = {None: "inherit", True: "yes", False: "no"}[episode.explicit]
    if episode.published_at is not None and editing.status(episode) == "scheduled":
        local = episode.published_at.astimezone(editing.show_zone(show))
        form.publish_date.data = local.date().isoformat()
        form.publish_time.data = local.strftime("%H:%M")
    for chapter in episode.chapters:
        form.chapters.append_entry(
            {
                "start": editing.clock_text(chapter.start_seconds),
                "title": chapter.title,
                "url": chapter.url or "",
                "img": picture_url(chapter) or "",
            }
        )
    for person in editing.person_rows(episode):
        form.persons.append_entry(
            {key: getattr(person, key) or "" for key in ("name", "role", "group", "href")}
            | {"img": picture_url(person) or ""}
        )
    _pad_rows(form)
    return form


def _pad_rows(form: EpisodeEditForm) -> None:
    """Keep ``BLANK_ROWS`` empty rows at the end of both tables."""
    for rows in (form.chapters, form.persons):
        blank = 0
        for entry in reversed(rows.entries):
            if any((sub.data or "").strip() for sub in entry.form):
                break
            blank += 1
        for _number in range(BLANK_ROWS - blank):
            rows.append_entry()


def _text(number: int | None) -> str:
    return "" if number is None else str(number)


def _changes(form: EpisodeEditForm) -> editing.EpisodeChanges:
    """The posted values as text; the service does all the checking."""
    return editing.EpisodeChanges(
        lock_version=_version(form.lock_version.data),
        title=form.title.data or "",
        slug=form.slug.data or "",
        notes_markdown=form.notes_markdown.data or "",
        season_number=form.season_number.data or "",
        episode_number=form.episode_number.data or "",
        episode_type=form.episode_type.data or "",
        explicit=form.explicit.data or "",
        chapters=[editing.ChapterInput(**_row(entry)) for entry in form.chapters],
        persons=[editing.PersonInput(**_row(entry)) for entry in form.persons],
        action=request.form.get("action", "save"),
        publish_date=form.publish_date.data or "",
        publish_time=form.publish_time.data or "",
    )


def _row(entry) -> dict[str, str]:
    return {sub.short_name: sub.data or "" for sub in entry.form}


def _attach_errors(form: EpisodeEditForm, errors: dict[str, str]) -> None:
    """Put each message beside the field of the same name, even inside the tables."""
    fields = {}
    for item in form:
        if hasattr(item, "entries"):
            for entry in item.entries:
                for sub in entry.form:
                    fields[sub.name] = sub
        else:
            fields[item.name] = item
    for name, message in errors.items():
        target = fields.get(name)
        if target is None:
            form.form_errors.append(message)
        else:
            target.errors = [*target.errors, message]


def _editor(
    show: Show,
    episode: Episode,
    form: EpisodeEditForm,
    files=None,
    status: int = 200,
    draft=None,
    restored: bool = False,
):
    files = files or EpisodeFileForm(formdata=None)
    return (
        render_template(
            "studio/episode_edit.html",
            show=show,
            episode=episode,
            form=form,
            files=files,
            draft=draft,
            restored=restored,
            status=editing.status(episode),
            slug_fixed=editing.slug_is_fixed(episode),
            may_publish=can(show, "editor"),
            may_edit=can(show, "editor") or episode.published_at is None,
            zone=editing.show_zone(show).key,
        ),
        status,
    )


def _file_error(show: Show, episode_id: int, exc: ServiceError):
    """Re-render the editor with the file's error beside its field and, when the whole
    editor was posted, everything typed in it as it was typed."""
    episode = editing.get_episode(show, episode_id)
    files = EpisodeFileForm()
    field = getattr(files, exc.field, None) if exc.field else None
    if _editor_posted():
        form = EpisodeEditForm()
        _pad_rows(form)
    else:
        form = _filled_form(show, episode)
    if field is not None:
        field.errors = [exc.message]
    else:
        form.form_errors.append(exc.message)
    return _editor(show, episode, form, files, status=exc.status)


def _lock_version() -> int:
    return _version(request.form.get("lock_version"))


def _version(raw: str | None) -> int:
    """The posted lock version; anything that is no version (junk, a number no column holds)
    is -1, which the compare-and-set refuses as a conflict."""
    try:
        version = int(raw or "")
    except ValueError:
        return -1
    return version if 0 <= version <= MAX_ID else -1


def _editor_posted() -> bool:
    """Whether a file button of the one editor form sent the typed text along with it."""
    return "title" in request.form


def _back(
    show: Show,
    episode_id: int,
    message: str,
    anchor: str = "",
    chapters: bool = False,
    notes: list[str] = (),
):
    """Back to the editor after a file change, with what was typed still in it.

    The text came along in the same form; it is kept as the producer's draft and the
    editor reopens from it, so attaching a file never discards a typed character.
    With ``chapters`` the chapter rows are the episode's new ones (an import, or new
    audio that ended before some of them); ``notes`` are flashed after ``message``.
    """
    flash(message)
    for note in notes:
        flash(note)
    target = url_for("studio.edit_episode", show_slug=show.slug, episode_id=episode_id)
    if _editor_posted():
        episode = editing.get_episode(show, episode_id)
        form = EpisodeEditForm()
        typed = _typed_fields(form)
        if chapters:
            saved = _typed_fields(_filled_form(show, episode))
            typed = {k: v for k, v in typed.items() if not k.startswith("chapters-")}
            typed |= {k: v for k, v in saved.items() if k.startswith("chapters-")}
        try:
            episode_drafts.save_draft(
                show,
                episode_id,
                current_user.id,
                typed,
                lock_version=episode.lock_version,
                editor=can(show, "editor"),
            )
        except ServiceError as exc:
            flash(exc.message)
        else:
            target = url_for(
                "studio.edit_episode", show_slug=show.slug, episode_id=episode_id, draft="restore"
            )
    return redirect(target + anchor)


@bp.post("/<show_slug>/episodes/<int:episode_id>/draft")
@login_required
def save_draft(show_slug: str, episode_id: int):
    """Autosave: keep the editor's text as the producer's draft; answers JSON.

    :raise 404: for another show's episode. :raise 403: for an author and a public episode.
    """
    show = studio_show(show_slug, "author")
    editing.get_episode(show, episode_id)
    form = EpisodeEditForm()
    try:
        draft = episode_drafts.save_draft(
            show,
            episode_id,
            current_user.id,
            _typed_fields(form),
            lock_version=_version(form.lock_version.data),
            editor=can(show, "editor"),
        )
    except ServiceError as exc:
        return jsonify(saved=False, message=exc.message), exc.status
    return jsonify(
        saved=True,
        message=_(
            "Draft kept at %(time)s. Not saved yet.", time=show_clock(draft.updated_at, show)
        ),
    )


@bp.post("/<show_slug>/episodes/<int:episode_id>/draft/discard")
@login_required
def discard_draft(show_slug: str, episode_id: int):
    """Forget the producer's draft and open the episode as saved.

    :raise 404: for another show's episode.
    """
    show = studio_show(show_slug, "author")
    editing.get_episode(show, episode_id)
    episode_drafts.discard_draft(episode_id, current_user.id)
    flash(_("The draft is discarded; this is the saved episode."))
    return redirect(url_for("studio.edit_episode", show_slug=show.slug, episode_id=episode_id))


def _upload(name: str):
    """The posted file of that field, or None when none was chosen."""
    upload = request.files.get(name)
    return upload if upload is not None and upload.filename else None


@bp.post("/<show_slug>/episodes/<int:episode_id>/artwork")
@login_required
def episode_artwork(show_slug: str, episode_id: int):
    """Upload (or with ``remove``, drop) the episode's own artwork.

    :raise 404: for another show's episode. :raise 422: for anything but valid artwork.
    """
    show = studio_show(show_slug, "author")
    editing.get_episode(show, episode_id)
    editor = can(show, "editor")
    try:
        if request.form.get("remove"):
            editing.remove_artwork(show, episode_id, lock_version=_lock_version(), editor=editor)
            return _back(show, episode_id, _("The episode uses the show's artwork again."))
        image = _upload("artwork")
        if image is None:
            raise InvalidInput(_("Choose an image file."), "artwork")
        editing.set_artwork(
            show,
            episode_id,
            image.stream,
            lock_version=_lock_version(),
            editor=editor,
            filename=image.filename,
        )
    except ServiceError as exc:
        return _file_error(show, episode_id, exc)
    return _back(show, episode_id, _("The artwork is saved."), "#artwork-section")


@bp.post("/<show_slug>/episodes/<int:episode_id>/transcripts")
@login_required
def episode_transcript(show_slug: str, episode_id: int):
    """Add a transcript for a language, or with ``remove`` set to a language, remove it.

    :raise 404: for another show's episode. :raise 422: for a file that is not VTT or SRT.
    """
    show = studio_show(show_slug, "author")
    editing.get_episode(show, episode_id)
    editor = can(show, "editor")
    try:
        language = request.form.get("remove")
        if language:
            editing.remove_transcript(
                show, episode_id, language, lock_version=_lock_version(), editor=editor
            )
            return _back(show, episode_id, _("The transcript is removed."), "#transcripts-section")
        source = _upload("transcript")
        if source is None:
            raise InvalidInput(
                _("Choose a WebVTT, SRT, JSON or HTML transcript file."), "transcript"
            )
        editing.add_transcript(
            show,
            episode_id,
            request.form.get("language", ""),
            source.stream,
            lock_version=_lock_version(),
            editor=editor,
            filename=source.filename,
        )
    except ServiceError as exc:
        return _file_error(show, episode_id, exc)
    return _back(show, episode_id, _("The transcript is saved."), "#transcripts-section")


@bp.post("/<show_slug>/episodes/<int:episode_id>/alternates")
@login_required
def add_alternate(show_slug: str, episode_id: int):
    """Add the episode's audio in another format (podcast:alternateEnclosure).

    :raise 404: for another show's episode. :raise 415: for a file that is not audio.
    :raise 422: for a format the episode already has, or audio of another length.
    """
    show = studio_show(show_slug, "author")
    editing.get_episode(show, episode_id)
    try:
        audio = _upload("alternate")
        if audio is None:
            raise InvalidInput(_("Choose an audio file."), "alternate")
        editing.add_alternate_enclosure(
            show,
            episode_id,
            audio.stream,
            lock_version=_lock_version(),
            editor=can(show, "editor"),
            title=request.form.get("alternate_title", ""),
            filename=audio.filename,
        )
    except ServiceError as exc:
        return _file_error(show, episode_id, exc)
    return _back(show, episode_id, _("The other audio format is saved."), "#alternates-section")


@bp.post("/<show_slug>/episodes/<int:episode_id>/alternates/<int:alternate_id>/remove")
@login_required
def remove_alternate(show_slug: str, episode_id: int, alternate_id: int):
    """Remove one of the episode's other audio formats, file and all.

    :raise 404: for another show's episode or another episode's format.
    """
    show = studio_show(show_slug, "author")
    editing.get_episode(show, episode_id)
    try:
        name = editing.remove_alternate_enclosure(
            show,
            episode_id,
            alternate_id,
            lock_version=_lock_version(),
            editor=can(show, "editor"),
        )
    except ServiceError as exc:
        return _file_error(show, episode_id, exc)
    return _back(show, episode_id, _("“%(name)s” is removed.", name=name), "#alternates-section")


@bp.post("/<show_slug>/episodes/<int:episode_id>/chapters/import")
@login_required
def import_chapters(show_slug: str, episode_id: int):
    """Replace the chapters with those of a JSON chapters file or of the audio's tags.

    :raise 404: for another show's episode. :raise 422: for a file that is no chapters file.
    """
    show = studio_show(show_slug, "author")
    editing.get_episode(show, episode_id)
    try:
        if request.form.get("source") == "audio":
            rows = editing.chapters_from_audio(show, episode_id)
        else:
            upload = _upload("chapters_file")
            if upload is None:
                raise InvalidInput(_("Choose a JSON chapters file."), "chapters_file")
            rows = editing.chapters_from_json(
                upload.stream.read(editing.MAX_CHAPTERS_JSON_BYTES + 1)
            )
        editing.import_chapters(
            show, episode_id, rows, lock_version=_lock_version(), editor=can(show, "editor")
        )
    except ServiceError as exc:
        return _file_error(show, episode_id, exc)
    return _back(show, episode_id, _("The chapters are imported."), "#chapters", chapters=True)


@bp.post("/<show_slug>/episodes/<int:episode_id>/audio")
@login_required
def replace_audio(show_slug: str, episode_id: int):
    """New audio for the episode: a new enclosure URL, the same GUID. Editors only.

    :raise 404: for another show's episode. :raise 415: for a file that is not audio.
    """
    show = studio_show(show_slug, "editor")
    editing.get_episode(show, episode_id)
    try:
        audio = _upload("audio")
        if audio is None:
            raise InvalidInput(_("Choose an audio file."), "audio")
        replaced = editing.replace_audio(
            show,
            episode_id,
            audio.stream,
            lock_version=_lock_version(),
            filename=audio.filename,
            use_file_chapters=bool(request.form.get("use_file_chapters")),
        )
    except ServiceError as exc:
        return _file_error(show, episode_id, exc)
    return _back(
        show,
        episode_id,
        _("The audio is replaced."),
        "#audio-section",
        chapters=replaced.chapters_from_file or bool(replaced.dropped_chapters),
        notes=_replacement_notes(replaced),
    )


def _replacement_notes(replaced: editing.AudioReplaced) -> list[str]:
    """What else the new audio changed, so nothing disappears without a word."""
    notes = []
    length = clock(replaced.duration)
    if replaced.chapters_from_file:
        notes.append(
            _(
                "The chapters are now the new file's %(count)s chapter marks.",
                count=replaced.file_chapters,
            )
        )
    elif replaced.file_chapters:
        notes.append(
            _(
                "The new file has %(count)s chapter marks; to use them instead, "
                "import them from the audio file's tags.",
                count=replaced.file_chapters,
            )
        )
    if replaced.dropped_chapters:
        notes.append(
            _(
                "These chapters started at or after the end of the new audio (%(length)s) "
                "and were removed: %(chapters)s.",
                length=length,
                chapters=", ".join(
                    _timed(editing.clock_text(start), title)
                    for start, title in replaced.dropped_chapters
                ),
            )
        )
    if replaced.dropped_soundbites:
        notes.append(
            _(
                "These soundbites no longer fit in the new audio (%(length)s) and were "
                "removed: %(soundbites)s.",
                length=length,
                soundbites=", ".join(
                    _timed(
                        f"{editing.clock_text(start)}–{editing.clock_text(start + duration)}",
                        title,
                    )
                    for start, duration, title in replaced.dropped_soundbites
                ),
            )
        )
    if replaced.dropped_alternates:
        notes.append(
            _(
                "The other formats of the old audio were removed, so the feed does not "
                "offer them with the new audio: %(formats)s. Add them again, made from "
                "the new file.",
                formats=", ".join(replaced.dropped_alternates),
            )
        )
    return notes


def _timed(time: str, title: str | None) -> str:
    return _("%(time)s “%(title)s”", time=time, title=title) if title else time


@bp.route("/<show_slug>/episodes/<int:episode_id>/delete", methods=["GET", "POST"])
@login_required
def delete_episode(show_slug: str, episode_id: int):
    """A confirmation page; its POST deletes the episode and its files. Editors only.

    :raise 404: for another show's episode.
    """
    show = studio_show(show_slug, "editor")
    episode = editing.get_episode(show, episode_id)
    if request.method == "GET":
        return render_template("studio/episode_delete.html", show=show, episode=episode)
    title = editing.delete_episode(show, episode.id)
    flash(_("“%(title)s” is deleted.", title=title))
    return redirect(url_for("studio.show", show_slug=show.slug))


@bp.get("/<show_slug>/episodes/<int:episode_id>/preview")
@login_required
def preview_episode(show_slug: str, episode_id: int):
    """The public episode page as it will look, also for drafts; not for search engines.

    :raise 404: for another show's episode.
    """
    show = studio_show(show_slug, "author")
    episode = editing.get_episode(show, episode_id)
    body = render_template(
        "studio/episode_preview.html",
        show=show,
        episode=episode,
        canonical=episode_url(episode),
        structured=podcast_episode(episode) if episode.published_at else {},
        embed_code=render_template(
            "embed/_iframe.html", src=embed_url(episode), title=episode.title
        ),
        text=catalog.episode_text(episode, get_locale().language, request.args.get("transcript")),
        status=editing.status(episode),
        # Not public yet: /media answers 404 but to a signed link (app.delivery.previews).
        audio_url=None if episode.is_published() else preview_url(episode.audio),
    )
    return body, 200, {"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"}


@bp.app_template_filter("alternate_format")
def alternate_format(alternate) -> str:
    """The format's cell in the editor: ``Opus (audio/ogg)``."""
    return editing.alternate_format(alternate)


@bp.app_template_filter("alternate_name")
def alternate_name(alternate) -> str:
    """The format as its remove button names it: its title, else its codec's name."""
    return editing.alternate_name(alternate)
