"""The import pages' forms: a feed to import, a feed to import again, the feed's lock."""

from __future__ import annotations

from flask_babel import lazy_gettext as _
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, StringField, URLField

from app.studio.posted import StudioForm

FEED_FILE_TYPES = ".xml,.rss,application/rss+xml"


class ImportForm(StudioForm):
    url = URLField(
        _("The show's feed address"),
        description=_("The RSS address at the current host, starting with https://."),
        render_kw={"placeholder": "https://…", "inputmode": "url"},
    )
    feed_file = FileField(_("…or the feed as a file"), render_kw={"accept": FEED_FILE_TYPES})
    slug = StringField(
        _("Address name of the new show (optional)"),
        description=_("Made from the show's title when left empty."),
        render_kw={"maxlength": 80},
    )
    owner_email = EmailField(
        _("Owner's email, if the feed has none"),
        description=_("Without one, your own address is used."),
    )
    owner_confirmed = BooleanField(_("I own this podcast (needed when the feed is locked)"))


class ReimportForm(StudioForm):
    url = URLField(_("The show's feed address"), render_kw={"inputmode": "url"})
    feed_file = FileField(_("…or the feed as a file"), render_kw={"accept": FEED_FILE_TYPES})


class LockForm(StudioForm):
    locked = BooleanField(_("Lock the feed: no other host may import it (podcast:locked)"))
