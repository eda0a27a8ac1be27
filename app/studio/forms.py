"""Studio forms. They parse and carry CSRF; the services do the real validation."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_babel import lazy_gettext as _
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)

from app.studio.posted import StudioForm


class LoginForm(StudioForm):
    email = EmailField(_("Email"), render_kw={"autocomplete": "username", "required": True})
    password = PasswordField(
        _("Password"), render_kw={"autocomplete": "current-password", "required": True}
    )


# --- editor: the episode editor's forms ---

try:  # WTForms 3.3 deprecates (value, label) tuples; older versions lack SelectChoice
    from wtforms.fields.choices import SelectChoice

    def _choices(pairs):
        return [SelectChoice(value, label) for value, label in pairs]

except ImportError:  # pragma: no cover

    def _choices(pairs):
        return list(pairs)


class ChapterRow(Form):
    """One row of the chapters table; blank rows are ignored."""

    start = StringField(lazy_gettext("Start (hh:mm:ss)"))
    title = StringField(lazy_gettext("Chapter title"))
    url = StringField(lazy_gettext("Link (optional)"))
    img = StringField(lazy_gettext("Image address (optional)"))


class PersonRow(Form):
    """One podcast:person of the episode; blank rows are ignored."""

    name = StringField(lazy_gettext("Name"))
    role = StringField(lazy_gettext("Role"))
    group = StringField(lazy_gettext("Group"))
    img = StringField(lazy_gettext("Picture address"))
    href = StringField(lazy_gettext("Web page"))


class EpisodeEditForm(StudioForm):
    """The editor's main form; the service parses and validates every value."""

    lock_version = HiddenField()
    title = StringField(lazy_gettext("Title"), render_kw={"required": True, "maxlength": 255})
    slug = StringField(lazy_gettext("Address (slug)"), render_kw={"maxlength": 80})
    notes_markdown = TextAreaField(lazy_gettext("Show notes (Markdown)"), render_kw={"rows": 12})
    season_number = StringField(lazy_gettext("Season"), render_kw={"inputmode": "numeric"})
    episode_number = StringField(lazy_gettext("Episode number"), render_kw={"inputmode": "numeric"})
    episode_type = SelectField(
        lazy_gettext("Type"),
        choices=_choices(
            [
                ("full", lazy_gettext("Full episode")),
                ("trailer", lazy_gettext("Trailer")),
                ("bonus", lazy_gettext("Bonus")),
            ]
        ),
    )
    explicit = SelectField(
        lazy_gettext("Explicit content"),
        choices=_choices(
            [
                ("inherit", lazy_gettext("As the show")),
                ("yes", lazy_gettext("Yes, explicit")),
                ("no", lazy_gettext("No, not explicit")),
            ]
        ),
    )
    chapters = FieldList(FormField(ChapterRow))
    persons = FieldList(FormField(PersonRow))
    # Text fields typed date/time: the browser offers pickers, the service parses.
    publish_date = StringField(lazy_gettext("Publish date"), render_kw={"type": "date"})
    publish_time = StringField(lazy_gettext("Publish time"), render_kw={"type": "time"})


class EpisodeFileForm(StudioForm):
    """The editor's smaller forms: artwork, a transcript, a chapters file, another format,
    new audio.

    CSRF is checked for every POST by CSRFProtect; the token is rendered by hand.
    """

    class Meta:
        csrf = False

    artwork = FileField(lazy_gettext("Episode artwork (JPEG or PNG)"))
    language = StringField(lazy_gettext("Language code"), render_kw={"maxlength": 35})
    transcript = FileField(lazy_gettext("Transcript file (WebVTT, SRT, JSON or HTML)"))
    chapters_file = FileField(lazy_gettext("Chapters file (JSON chapters 1.2)"))
    alternate = FileField(lazy_gettext("Audio file in another format"))
    alternate_title = StringField(
        lazy_gettext("Title (optional)"),
        render_kw={"maxlength": 128, "placeholder": lazy_gettext("Opus, lower bandwidth")},
    )
    audio = FileField(lazy_gettext("New audio file"))
    use_file_chapters = BooleanField(
        lazy_gettext("Use the new file's chapter marks instead of the chapters above")
    )
