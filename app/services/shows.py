"""Creating and finding shows."""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext
from sqlalchemy import delete, select

from app.extensions import db
from app.models import DirectoryLink, Person, Show
from app.services.errors import InvalidInput, NotFound, Refusals
from app.services.files import delete_stored_quietly, store_file
from app.services.pictures import drop_unused_pictures, keep_stored_pictures, pictures_of
from app.slugs import RESERVED_SHOW_SLUGS, is_valid_slug
from feeds.categories import is_valid_category
from feeds.lint import Artwork, artwork_problems
from media.artwork import (
    ArtworkError,
    convert_artwork,
    inspect_artwork,
    placeholder_png,
    sniff_image,
)

DEFAULT_CATEGORY = "Government"


def get_show(slug: str) -> Show:
    """:raise NotFound: when no show has this slug."""
    show = db.session.scalar(select(Show).where(Show.slug == slug))
    if show is None:
        raise NotFound(gettext("There is no show called “%(slug)s”.", slug=slug))
    return show


def list_shows() -> list[Show]:
    return list(db.session.scalars(select(Show).order_by(Show.title)))


def create_show(
    slug: str,
    *,
    title: str,
    language: str,
    description: str = "",
    author: str | None = None,
    owner_name: str | None = None,
    owner_email: str,
    category: str | None = None,
    subcategory: str | None = None,
    explicit: bool = False,
    copyright: str | None = None,
    artwork: BinaryIO | None = None,
) -> Show:
    """Create a show with every tag Apple requires, filling in what can be derived.

    Without ``artwork`` a placeholder is stored, because the feed must have an image;
    without ``category`` it is ``DEFAULT_CATEGORY``, marked as not chosen. Feed health
    names both as stand-ins until the producer replaces them.

    :raise InvalidFields: naming every field that is wrong at once (a bad or taken slug, a
        missing title, language or email, an unknown category, a non-image artwork), so
        the new-show form shows all of them after one save.
    """
    slug = slug.strip().lower()
    refusals = Refusals()
    with refusals.check():
        _check_new_slug(slug)
    with refusals.check():
        if not title.strip():
            raise InvalidInput(gettext("Give the show a title."), "title")
    with refusals.check():
        if not LANGUAGE_TAG.match(language.strip()):
            raise InvalidInput(gettext("Give a language code such as “sv” or “en”."), "language")
    with refusals.check():
        if "@" not in owner_email:
            raise InvalidInput(gettext("Enter a valid email address."), "owner_email")
    with refusals.check():
        if category is not None and not is_valid_category(category, subcategory):
            raise InvalidInput(gettext("Choose a category from the list."), "category")
    artwork = artwork or io.BytesIO(placeholder_png())
    image_type = sniff_image(artwork)
    with refusals.check():
        if image_type is None:
            raise InvalidInput(gettext("The artwork must be a JPEG or PNG image."), "artwork")
        check_artwork(artwork)
    refusals.raise_any()
    show = Show(
        slug=slug,
        title=title.strip(),
        language=language.strip(),
        description=description.strip(),
        author=(author or owner_name or title).strip(),
        owner_name=(owner_name or author or title).strip(),
        owner_email=owner_email.strip(),
        category=category or DEFAULT_CATEGORY,
        category_chosen=category is not None,
        subcategory=subcategory,
        explicit=explicit,
        copyright=copyright,
    )
    key = f"{slug}/artwork/{uuid.uuid4().hex}{image_type.extension}"
    with store_file(key, artwork, image_type.mime_type) as image:
        show.image = image
        db.session.add(show)
        db.session.commit()
    return show


def _check_new_slug(slug: str) -> None:
    if not is_valid_slug(slug):
        raise InvalidInput(
            gettext("The address name may hold only lower-case letters a–z, digits and hyphens."),
            "slug",
        )
    if slug in RESERVED_SHOW_SLUGS:
        raise InvalidInput(
            gettext("“%(slug)s” is reserved by the site; choose another.", slug=slug), "slug"
        )
    if db.session.scalar(select(Show.id).where(Show.slug == slug)):
        raise InvalidInput(gettext("A show called “%(slug)s” already exists.", slug=slug), "slug")


def check_artwork(artwork: BinaryIO) -> None:
    """Apple's rules: 1400-3000 px, square, RGB, JPEG or PNG.

    The stored key takes its extension from the real type, so it always matches.

    :raise InvalidInput: naming every rule the image breaks.
    """
    info = inspect_artwork(artwork)
    image = info and Artwork(info.width, info.height, info.mode, info.mime_type)
    problems = artwork_problems(image)
    if problems:
        raise InvalidInput(" ".join(problems), "artwork")


# --- studio: a show's settings, artwork and episode defaults (accounts) ---

SETTINGS_TEXT = (
    "title",
    "description",
    "language",
    "author",
    "owner_name",
    "owner_email",
    "copyright",
    "category",
    "subcategory",
    "itunes_title",
    "itunes_type",
    "new_feed_url",
    "locked_owner",
    "medium",
    "license",
    "update_frequency",
    "update_frequency_text",
    "location_name",
    "location_geo",
    "location_osm",
    "analytics_prefix",
    "timezone",
)
SETTINGS_FLAGS = ("explicit", "complete", "itunes_block", "locked")
REQUIRED = ("title", "language", "author", "owner_name", "owner_email", "category", "timezone")
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")
GEO_URI = re.compile(r"^geo:-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?(,-?\d+(\.\d+)?)?(;u=\d+(\.\d+)?)?$")
MAX_ARTWORK_BYTES = 20 * 1024 * 1024


@dataclass
class ShowSettings:
    """Everything the studio's settings page sets, parsed from the form.

    ``fields`` are Show columns; ``persons`` are podcast:person rows (also the
    default persons of new episodes); ``directory_links`` map a directory to
    a URL, where an empty URL removes the link.
    """

    fields: dict[str, Any]
    persons: list[dict[str, str | None]] = field(default_factory=list)
    directory_links: dict[str, str] = field(default_factory=dict)


def update_show_settings(show_slug: str, settings: ShowSettings) -> Show:
    """Check every field first, then change the show, its persons and links in one commit.

    Nothing is written when any field is refused, and the feed cache goes stale
    in the same transaction (see app.services.feed_cache).

    :raise NotFound: for an unknown show.
    :raise InvalidFields: naming every refused field: a Show column,
        ``persons-<row>-<key>`` (row counted from 0 in ``persons``) or ``link_<directory>``.
    """
    from app.services.directories import DIRECTORIES
    from app.services.feed_cache import mark_stale

    show = get_show(show_slug)
    refusals = Refusals()
    fields = _clean_settings(settings.fields, refusals)
    persons = []
    for index, person in enumerate(settings.persons):
        with refusals.check():
            persons.append(_clean_person(person, index))
    links = {}
    for directory, url in settings.directory_links.items():
        with refusals.check():
            if directory not in DIRECTORIES:
                raise InvalidInput(gettext("Unknown directory."), f"link_{directory}")
            links[directory] = _https_url(url, f"link_{directory}", required=False)
    refusals.raise_any()
    for name, value in fields.items():
        setattr(show, name, value)
    if "category" in fields:
        show.category_chosen = True
    pictures = pictures_of(show.persons)
    db.session.execute(delete(Person).where(Person.show_id == show.id, Person.episode_id.is_(None)))
    rows = [
        Person(show_id=show.id, episode_id=None, position=position, **person)
        for position, person in enumerate(persons)
    ]
    keep_stored_pictures(rows, pictures)
    db.session.add_all(rows)
    unused = drop_unused_pictures(pictures)
    _replace_links(show, links)
    mark_stale(db.session, {show.id})  # a bulk delete passes no object through the flush
    db.session.commit()
    delete_stored_quietly(unused)
    return show


def episode_defaults(show: Show) -> dict[str, Any]:
    """What a new episode of ``show`` starts with: explicit, license and persons.

    For the upload and the episode editor: ``{"explicit": bool, "license": str | None,
    "persons": [{"name", "role", "group", "img", "img_file_id", "href"}, ...]}``, the
    persons being the show's own podcast:person list, in order (a stored picture is
    shared, not copied). Plain values, safe to keep.
    """
    return {
        "explicit": bool(show.explicit),
        "license": show.license,
        "persons": [
            {
                key: getattr(p, key)
                for key in ("name", "role", "group", "img", "img_file_id", "href")
            }
            for p in show.persons
        ],
    }


def _clean_settings(raw: dict[str, Any], refusals: Refusals) -> dict[str, Any]:
    """The fields that pass; each missing, too long or malformed one goes to ``refusals``."""
    fields: dict[str, Any] = {}
    for name in SETTINGS_TEXT:
        if name in raw:
            with refusals.check():
                fields[name] = _text_setting(name, raw[name])
    for name in SETTINGS_FLAGS:
        if name in raw:
            fields[name] = bool(raw[name])
    for check in SHOW_VALUE_CHECKS:
        with refusals.check():
            check(fields)
    if "feed_page_size" in raw:
        with refusals.check():
            fields["feed_page_size"] = _page_size(raw["feed_page_size"])
    if "funding" in raw:
        with refusals.check():
            fields["funding"] = [
                {"url": _https_url(url, "funding"), "text": text or url}
                for url, text in _pairs(raw["funding"], "funding")
            ]
    if "txts" in raw:
        with refusals.check():
            fields["txts"] = [
                {"text": text, "purpose": purpose} if text else {"text": purpose}
                for purpose, text in _pairs(raw["txts"], "txts")
            ]
    if "podroll" in raw:
        with refusals.check():
            fields["podroll"] = [
                {"feed_guid": _guid(guid), "feed_url": url or None}
                for guid, url in _pairs(raw["podroll"], "podroll")
            ]
    return fields


def _text_setting(name: str, raw: str | None) -> str | None:
    """:raise InvalidInput: for a required field left empty or one too long for its column."""
    value = (raw or "").strip()
    if name in REQUIRED and not value:
        raise InvalidInput(gettext("This field is required."), name)
    length = getattr(Show.__table__.c[name].type, "length", None)
    if length and len(value) > length:
        raise InvalidInput(gettext("At most %(count)d characters.", count=length), name)
    return value if value or name == "description" else None


def _check_language(fields: dict[str, Any]) -> None:
    if "language" in fields and not LANGUAGE_TAG.match(fields["language"] or ""):
        raise InvalidInput(gettext("Give a language code such as “sv” or “en”."), "language")


def _check_emails(fields: dict[str, Any]) -> None:
    """Emails are stored normalized, as accounts compare them."""
    from app.services.users import normal_email

    refusals = Refusals()
    for name in ("owner_email", "locked_owner"):
        if fields.get(name):
            with refusals.check():
                try:
                    fields[name] = normal_email(fields[name])
                except InvalidInput as exc:
                    raise InvalidInput(exc.message, name) from None
    refusals.raise_any()


def _check_timezone(fields: dict[str, Any]) -> None:
    if "timezone" in fields and not _is_time_zone(fields["timezone"] or ""):
        raise InvalidInput(gettext("Give a time zone such as “Europe/Stockholm”."), "timezone")


def _check_category(fields: dict[str, Any]) -> None:
    from feeds.categories import is_valid_category

    if "category" in fields and not is_valid_category(
        fields["category"], fields.get("subcategory")
    ):
        raise InvalidInput(
            gettext("This subcategory does not belong to the category."), "subcategory"
        )


def _check_itunes_type(fields: dict[str, Any]) -> None:
    from app.services.feed_extras import ITUNES_TYPES

    if fields.get("itunes_type", "episodic") not in ITUNES_TYPES:
        raise InvalidInput(gettext("Choose episodic or serial."), "itunes_type")


def _check_medium(fields: dict[str, Any]) -> None:
    from app.services.feed_extras import MEDIUMS

    if fields.get("medium", "podcast") not in MEDIUMS:
        raise InvalidInput(gettext("Choose a medium from the list."), "medium")


def _check_new_feed_url(fields: dict[str, Any]) -> None:
    if fields.get("new_feed_url"):
        _https_url(fields["new_feed_url"], "new_feed_url", schemes=("https", "http"))


def _check_analytics_prefix(fields: dict[str, Any]) -> None:
    prefix = fields.get("analytics_prefix")
    schemes = ("https", "http")  # as app.services.analytics accepts on the statistics page
    if prefix and not (
        _https_url(prefix, "analytics_prefix", schemes=schemes)
        and prefix.endswith("/")
        and not any(c in prefix for c in " ?#\"'<>")
    ):
        raise InvalidInput(
            gettext("The prefix is an https:// address ending in “/”."), "analytics_prefix"
        )


def _check_location(fields: dict[str, Any]) -> None:
    if fields.get("location_geo") and not GEO_URI.match(fields["location_geo"]):
        raise InvalidInput(
            gettext("Write the position as geo:latitude,longitude, e.g. geo:55.6,13.0."),
            "location_geo",
        )


# The checks beyond length, each on its own field(s), so all their refusals are reported.
SHOW_VALUE_CHECKS = (
    _check_language,
    _check_emails,
    _check_timezone,
    _check_category,
    _check_itunes_type,
    _check_medium,
    _check_new_feed_url,
    _check_analytics_prefix,
    _check_location,
)


def _is_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return "/" in name or name == "UTC"


def _page_size(value: Any) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 10_000:
        raise InvalidInput(
            gettext("Give a number of episodes from 1 to 10000, or leave empty."),
            "feed_page_size",
        )
    return int(text)


def _pairs(text: str, name: str) -> list[tuple[str, str]]:
    """One entry a line, ``first | second``; the second part may be left out."""
    pairs = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        first, _, second = (part.strip() for part in line.partition("|"))
        if not first or len(first) > 1000 or len(second) > 1000:
            raise InvalidInput(gettext("Each line needs a value before the “|”."), name)
        pairs.append((first, second))
    return pairs


def _guid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidInput(
            gettext("A podroll line starts with the other show's podcast GUID."), "podroll"
        ) from None


def _https_url(
    url: str, name: str, *, required: bool = True, schemes: tuple[str, ...] = ("https",)
) -> str:
    """:raise InvalidInput: unless ``url`` is an absolute ASCII address of one of ``schemes``."""
    url = (url or "").strip()
    if not url and not required:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.netloc or not url.isascii() or len(url) > 1000:
        raise InvalidInput(gettext("Give a full address starting with https://."), name)
    return url


def _clean_person(person: dict[str, str | None], index: int) -> dict[str, str | None]:
    """:raise InvalidFields: for a person without a name, with fields that are too long or
    addresses that are not; each name is the cell's, e.g. ``persons-0-name``."""
    cleaned = {key: (person.get(key) or "").strip() or None for key in PERSON_KEYS}
    refusals = Refusals()
    if not cleaned["name"]:
        refusals.errors[f"persons-{index}-name"] = gettext("Every person needs a name.")
    columns = Person.__table__.c
    for key, value in cleaned.items():
        with refusals.check():
            if value and len(value) > columns[key].type.length:
                raise InvalidInput(
                    gettext("At most %(count)d characters.", count=columns[key].type.length),
                    f"persons-{index}-{key}",
                )
            if value and key in ("img", "href"):
                _https_url(value, f"persons-{index}-{key}", schemes=("https", "http"))
    refusals.raise_any()
    return cleaned


PERSON_KEYS = ("name", "role", "group", "img", "href")


def _replace_links(show: Show, links: dict[str, str]) -> None:
    current = {link.directory: link for link in show.directory_links}
    for directory, url in links.items():
        if not url:
            if directory in current:
                show.directory_links.remove(current[directory])
        elif directory in current:
            current[directory].url = url
        else:
            show.directory_links.append(DirectoryLink(directory=directory, url=url))


def replace_artwork(show_slug: str, upload: BinaryIO, filename: str | None = None) -> Show:
    """Store the upload as the show's original artwork and its square JPEG as the feed image.

    Both objects are stored before the commit; if anything fails, neither stays
    in storage (store_file removes them). The previous artwork's objects are
    removed after the commit: their keys are never reused.

    :raise NotFound: for an unknown show.
    :raise InvalidInput: for a file that is not a usable JPEG or PNG, with the reason.
    """
    from app.services.files import delete_stored_quietly

    show = get_show(show_slug)
    data = upload.read(MAX_ARTWORK_BYTES + 1)
    if not data:
        raise InvalidInput(gettext("Choose an image file."), "artwork")
    if len(data) > MAX_ARTWORK_BYTES:
        raise InvalidInput(gettext("The image file is larger than 20 MB."), "artwork")
    try:
        converted = convert_artwork(data)
    except ArtworkError as exc:
        raise InvalidInput(_artwork_message(exc.code), "artwork") from exc
    kind = sniff_image(io.BytesIO(data))
    stem = f"{show.slug}/artwork/{uuid.uuid4().hex}"
    old = [stored for stored in (show.image, show.image_original) if stored is not None]
    with (
        store_file(
            f"{stem}-original{kind.extension}",
            io.BytesIO(data),
            kind.mime_type,
            original_filename=(filename or "")[:255] or None,
        ) as original,
        store_file(f"{stem}.jpg", io.BytesIO(converted.jpeg), "image/jpeg") as image,
    ):
        show.image = image
        show.image_original = original
        for stored in old:
            db.session.delete(stored)
        db.session.commit()
    delete_stored_quietly([stored.storage_key for stored in old])
    return show


def _artwork_message(code: str) -> str:
    messages = {
        "not_image": gettext(
            "The file is not a JPEG or PNG image. SVG, HTML and other files cannot be artwork."
        ),
        "corrupt": gettext("The image is damaged or incomplete. Export it again and retry."),
        "too_large": gettext(
            "The image has too many pixels (more than 40 megapixels). "
            "Make it 3000 × 3000 pixels and retry."
        ),
        "too_small": gettext(
            "The image is too small: apps need at least 1400 × 1400 pixels, square."
        ),
    }
    return messages.get(code, messages["corrupt"])
