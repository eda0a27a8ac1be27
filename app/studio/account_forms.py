"""Forms of accounts, the instance admin pages and a show's settings.

They parse and carry CSRF; the services do the real validation and name the
field a refusal belongs to, which the page shows beside that field.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.formatting import language_name
from app.services.feed_extras import ITUNES_TYPES, MEDIUMS
from app.studio.categories import CATEGORY_NAMES
from app.studio.posted import StudioForm
from feeds.categories import APPLE_CATEGORIES

PERSON_ROWS = 3  # empty rows offered below the show's persons


def options(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms wants choices now."""
    return [SelectChoice(value, label) for value, label in pairs]


def role_choices(with_none: str | None = None) -> list[SelectChoice]:
    choices = [("author", _("Author")), ("editor", _("Editor")), ("admin", _("Show admin"))]
    return options([("", with_none), *choices] if with_none else choices)


@cache
def time_zones() -> list[str]:
    return sorted(zone for zone in available_timezones() if "/" in zone or zone == "UTC")


class SetPasswordForm(StudioForm):
    password = PasswordField(
        _("New password"),
        render_kw={"autocomplete": "new-password", "required": True, "minlength": 10},
        description=_("At least 10 characters."),
    )
    confirm = PasswordField(
        _("The same password again"), render_kw={"autocomplete": "new-password", "required": True}
    )


class LanguageForm(StudioForm):
    language = HiddenField()
    next = HiddenField()


class InviteForm(StudioForm):
    email = EmailField(_("Email"), render_kw={"required": True, "autocomplete": "off"})
    is_admin = BooleanField(_("Instance admin (manages users and all shows)"))
    show = SelectField(_("Show"), choices=[], validate_choice=False)
    role = SelectField(_("Role on the show"), choices=role_choices(), validate_choice=False)


class UserRoleForm(StudioForm):
    show = SelectField(_("Show"), choices=[], validate_choice=False)
    role = SelectField(_("Role"), choices=role_choices(_("No role")), validate_choice=False)


class ActionForm(StudioForm):
    """A button that changes one thing; ``value`` says to what."""

    value = HiddenField()


class NewShowForm(StudioForm):
    """What a show needs before its first episode; the rest waits on the settings page."""

    title = StringField(_("Title"), render_kw={"required": True, "maxlength": 255})
    slug = StringField(
        _("Address name"),
        description=_(
            "Made from the title; change it if you like. Lower-case letters a–z, digits and "
            "hyphens. It is part of the show's web and feed address and cannot change later."
        ),
        render_kw={"maxlength": 80, "autocomplete": "off", "data-slug-from": "title"},
    )
    description = TextAreaField(
        _("Description"),
        description=_("Two or three sentences on what the show is about, for apps and listeners."),
        render_kw={"rows": 4},
    )
    artwork = FileField(
        _("Artwork (optional)"),
        description=_(
            "A square JPEG or PNG, at least 1400 × 1400 pixels. Without one the show gets a "
            "placeholder until you upload it in the settings."
        ),
        render_kw={"accept": "image/jpeg,image/png"},
    )
    category = SelectField(
        _("Category"),
        description=_("Apple Podcasts and Spotify list the show under it."),
        default="Government",
        validate_choice=False,
    )
    language = SelectField(_("Language"), default="sv", validate_choice=False)
    owner_email = EmailField(
        _("Owner's email"),
        description=_("Apple and Spotify send their messages about the show here."),
        render_kw={"required": True, "autocomplete": "email"},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices()
        self.language.choices = language_choices(self.language.data)


class MemberInviteForm(StudioForm):
    email = EmailField(_("Email"), render_kw={"required": True, "autocomplete": "off"})
    role = SelectField(_("Role"), choices=role_choices(), validate_choice=False)


class MemberRoleForm(StudioForm):
    role = SelectField(
        _("Role"), choices=role_choices(_("Remove from the show")), validate_choice=False
    )


class ArtworkForm(StudioForm):
    artwork = FileField(
        _("Artwork"),
        description=_(
            "JPEG or PNG, at least 1400 × 1400 pixels. A rectangular image is cropped to its "
            "centre square; images over 3000 pixels are scaled down. The original is kept."
        ),
        render_kw={"accept": "image/jpeg,image/png", "required": True},
    )


SUBCATEGORY = "::"  # between a category and its subcategory in one choice's value


def category_choices() -> list[SelectChoice]:
    """One list: each category, then its subcategories, grouped under the category's name.

    Choosing a subcategory chooses its category, so no subcategory can belong to another
    category, with or without JavaScript. Names in the reader's language, sorted by them;
    the values stay Apple's.
    """
    choices = []
    for category in sorted(APPLE_CATEGORIES, key=lambda name: str(CATEGORY_NAMES[name])):
        group = str(CATEGORY_NAMES[category])
        choices.append(
            SelectChoice(category, _("%(category)s, in general", category=group), optgroup=group)
        )
        subcategories = sorted(APPLE_CATEGORIES[category], key=lambda n: str(CATEGORY_NAMES[n]))
        choices += [
            SelectChoice(category + SUBCATEGORY + name, CATEGORY_NAMES[name], optgroup=group)
            for name in subcategories
        ]
    return choices


def category_value(category: str | None, subcategory: str | None) -> str:
    """The one choice for a stored category and subcategory."""
    return (category or "") + (SUBCATEGORY + subcategory if subcategory else "")


def split_category(value: str | None) -> tuple[str, str]:
    """``"Arts::Books"`` -> ``("Arts", "Books")``; ``"Government"`` -> ``("Government", "")``."""
    category, _sep, subcategory = (value or "").partition(SUBCATEGORY)
    return category, subcategory


def language_choices(current: str | None = None) -> list[SelectChoice]:
    """Languages by name in the reader's language (Babel), Swedish and English first.

    The value is the two-letter code the feed carries; a show's longer tag (``sv-SE``)
    stays a choice of its own, so saving never changes it unasked.
    """
    locale = get_locale() or Locale.parse("en")
    names = {
        code: name[:1].upper() + name[1:]
        for code, name in locale.languages.items()
        if len(code) == 2 and code.isalpha()
    }
    first = [code for code in ("sv", "en") if code in names]
    rest = sorted((code for code in names if code not in first), key=lambda c: names[c].lower())
    choices = [SelectChoice(code, names[code]) for code in (*first, *rest)]
    if current and current not in names:
        choices.insert(0, SelectChoice(current, f"{language_name(current)} ({current})"))
    return choices


MEDIUM_NAMES = (
    _("A podcast"),
    _("Music"),
    _("Video"),
    _("Film"),
    _("An audiobook"),
    _("A newsletter"),
    _("A blog"),
    _("A publisher's list of feeds"),
    _("A course"),
)


class ShowSettingsForm(StudioForm):
    """Every field the feed needs; rows of persons and directory links are read by hand.

    The fields are in the page's order, which the error summary above the form follows.
    """

    title = StringField(_("Title"), render_kw={"required": True, "maxlength": 255})
    description = TextAreaField(_("Description"), render_kw={"rows": 6})
    category = SelectField(
        _("Category"),
        description=_(
            "Apple Podcasts and Spotify list the show under it. The feed names it in "
            "English, as Apple wants (itunes:category)."
        ),
        validate_choice=False,
    )
    language = SelectField(_("Language"), validate_choice=False)
    author = StringField(_("Author"), render_kw={"required": True, "maxlength": 255})
    owner_name = StringField(_("Owner's name"), render_kw={"required": True, "maxlength": 255})
    owner_email = EmailField(_("Owner's email"), render_kw={"required": True, "maxlength": 255})
    copyright = StringField(_("Copyright"), render_kw={"maxlength": 255})
    update_frequency_text = StringField(
        _("How often new episodes come"), description=_("For example “Every second week”.")
    )
    location_name = StringField(
        _("Place the show is about"),
        description=_("A place name, for example Rosengård, Malmö (podcast:location)."),
    )
    timezone = SelectField(_("Time zone"), choices=[], validate_choice=False)
    explicit = BooleanField(_("Explicit content"))
    license = StringField(
        _("License"), description=_("For example CC-BY-4.0. New episodes get it by default.")
    )
    itunes_title = StringField(
        _("Title in Apple Podcasts, if different"), description=_("The itunes:title tag.")
    )
    itunes_type = SelectField(
        _("Type"),
        choices=options(
            zip(ITUNES_TYPES, (_("Episodic: newest first"), _("Serial: in order")), strict=True)
        ),
        validate_choice=False,
    )
    complete = BooleanField(_("Complete: no more episodes will come"))
    itunes_block = BooleanField(_("Hide the show from podcast directories"))
    new_feed_url = URLField(
        _("New feed address"),
        description=_("Only when the show has moved to another host; apps follow it."),
    )
    locked = BooleanField(_("Locked: other hosts may not import the feed"))
    locked_owner = EmailField(_("Email that may unlock the feed"))
    medium = SelectField(
        _("What the show is"),
        description=_("Almost always a podcast (podcast:medium)."),
        choices=options(zip(MEDIUMS, MEDIUM_NAMES, strict=True)),
        validate_choice=False,
    )
    update_frequency = StringField(
        _("The same, for apps to read"),
        description=_(
            "For example FREQ=WEEKLY;INTERVAL=2 for every second week: a calendar rule "
            "(RRULE) in podcast:updateFrequency. Leave empty if unsure."
        ),
    )
    funding = TextAreaField(
        _("Support links"),
        render_kw={"rows": 2},
        description=_(
            "Where listeners can support the show (podcast:funding). One a line: address | text."
        ),
    )
    txts = TextAreaField(
        _("Verification texts"),
        render_kw={"rows": 2},
        description=_(
            "Texts a service asks you to put in the feed to prove it is yours "
            "(podcast:txt). One a line: purpose | text, or only the text."
        ),
    )
    podroll = TextAreaField(
        _("Shows you recommend"),
        render_kw={"rows": 2},
        description=_(
            "Apps show them as recommendations (podcast:podroll). One a line: the show's "
            "podcast GUID | its feed address."
        ),
    )
    feed_page_size = IntegerField(
        _("Episodes per feed page"),
        validators=[Optional()],
        description=_("Leave empty for a complete feed, which Apple needs."),
    )
    analytics_prefix = StringField(
        _("Analytics prefix"), description=_("For example https://op3.dev/e/")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = options((zone, zone) for zone in time_zones())
        self.category.choices = category_choices()
        self.language.choices = language_choices(self.language.data)


def attach_error(form: StudioForm, exc) -> None:
    """Show a service's refusal beside the field it names, or above the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


# Podcast Index's person taxonomy: the feed keeps these English values, the studio shows the
# names. The commonest ones; a value from an import that is not here stays a choice too.
PERSON_GROUPS = {
    "cast": _("On air"),
    "writing": _("Writing"),
    "audio production": _("Audio production"),
    "audio post-production": _("Editing and mixing"),
    "administration": _("Administration"),
    "visuals": _("Pictures and design"),
}
PERSON_ROLES = {
    "host": _("Host"),
    "co-host": _("Co-host"),
    "guest host": _("Guest host"),
    "guest": _("Guest"),
    "narrator": _("Narrator"),
    "reporter": _("Reporter"),
    "producer": _("Producer"),
    "executive producer": _("Executive producer"),
    "editor": _("Editor (sound)"),
    "sound designer": _("Sound designer"),
    "composer": _("Composer"),
    "writer": _("Writer"),
}
