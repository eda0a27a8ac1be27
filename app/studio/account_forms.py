"""Forms of accounts, the instance admin pages and a show's settings.

They parse and carry CSRF; the services do the real validation and name the
field a refusal belongs to, which the page shows beside that field.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

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

from app.services.feed_extras import ITUNES_TYPES, MEDIUMS
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
    slug = StringField(
        _("Address name"),
        description=_(
            "Lower-case letters a–z, digits and hyphens. It is part of the feed "
            "address and cannot change later."
        ),
        render_kw={"required": True, "maxlength": 80, "autocomplete": "off"},
    )
    title = StringField(_("Title"), render_kw={"required": True, "maxlength": 255})
    language = StringField(_("Language"), default="sv", render_kw={"required": True})
    owner_email = EmailField(_("Owner's email"), render_kw={"required": True})


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


def category_choices() -> list[SelectChoice]:
    return options((name, name) for name in APPLE_CATEGORIES)


def subcategory_choices() -> list[SelectChoice]:
    """Grouped by category, which WTForms renders as <optgroup>."""
    groups = [SelectChoice("", _("None"))]
    for category, subcategories in APPLE_CATEGORIES.items():
        groups += [SelectChoice(name, name, optgroup=category) for name in subcategories]
    return groups


class ShowSettingsForm(StudioForm):
    """Every field the feed needs; rows of persons and directory links are read by hand.

    The fields are in the page's order, which the error summary above the form follows.
    """

    title = StringField(_("Title"), render_kw={"required": True, "maxlength": 255})
    description = TextAreaField(_("Description"), render_kw={"rows": 6})
    language = StringField(
        _("Language"),
        description=_("A language code such as sv or en."),
        render_kw={"required": True, "maxlength": 35},
    )
    author = StringField(_("Author"), render_kw={"required": True, "maxlength": 255})
    owner_name = StringField(_("Owner's name"), render_kw={"required": True, "maxlength": 255})
    owner_email = EmailField(_("Owner's email"), render_kw={"required": True, "maxlength": 255})
    copyright = StringField(_("Copyright"), render_kw={"maxlength": 255})
    category = SelectField(_("Category"), choices=category_choices(), validate_choice=False)
    subcategory = SelectField(
        _("Subcategory"), choices=subcategory_choices(), validate_choice=False
    )
    itunes_type = SelectField(
        _("Type"),
        choices=options(
            zip(ITUNES_TYPES, (_("Episodic: newest first"), _("Serial: in order")), strict=True)
        ),
        validate_choice=False,
    )
    timezone = SelectField(_("Time zone"), choices=[], validate_choice=False)
    explicit = BooleanField(_("Explicit content"))
    license = StringField(
        _("License"), description=_("For example CC-BY-4.0. New episodes get it by default.")
    )
    itunes_title = StringField(_("Title in Apple Podcasts, if different"))
    complete = BooleanField(_("Complete: no more episodes will come"))
    itunes_block = BooleanField(_("Hide the show from podcast directories"))
    new_feed_url = URLField(
        _("New feed address"),
        description=_("Only when the show has moved to another host; apps follow it."),
    )
    locked = BooleanField(_("Locked: other hosts may not import the feed"))
    locked_owner = EmailField(_("Email that may unlock the feed"))
    medium = SelectField(
        _("Medium"), choices=options((name, name) for name in MEDIUMS), validate_choice=False
    )
    update_frequency_text = StringField(
        _("How often new episodes come"), description=_("For example “Every second week”.")
    )
    update_frequency = StringField(
        _("Schedule rule (RRULE)"), description=_("For example FREQ=WEEKLY;INTERVAL=2.")
    )
    location_name = StringField(_("Location"), description=_("For example Rosengård, Malmö."))
    location_geo = StringField(_("Position"), description=_("geo:latitude,longitude"))
    location_osm = StringField(_("OpenStreetMap id"), description=_("For example R123456."))
    funding = TextAreaField(
        _("Funding links"),
        render_kw={"rows": 2},
        description=_("One a line: address | text."),
    )
    txts = TextAreaField(
        _("Text records (podcast:txt)"),
        render_kw={"rows": 2},
        description=_("One a line: purpose | text, or only the text."),
    )
    podroll = TextAreaField(
        _("Recommended shows (podroll)"),
        render_kw={"rows": 2},
        description=_("One a line: podcast GUID | feed address."),
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


def attach_error(form: StudioForm, exc) -> None:
    """Show a service's refusal beside the field it names, or above the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
