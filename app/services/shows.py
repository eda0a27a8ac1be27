"""Creating and finding shows."""

from __future__ import annotations

import io
import uuid
from typing import BinaryIO

from sqlalchemy import select

from app.extensions import db
from app.models import Show
from app.services.errors import InvalidInput, NotFound
from app.services.files import store_file
from app.slugs import RESERVED_SHOW_SLUGS, is_valid_slug
from feeds.lint import Artwork, artwork_problems
from media.artwork import inspect_artwork, placeholder_png, sniff_image

DEFAULT_CATEGORY = "Government"


def get_show(slug: str) -> Show:
    """:raise NotFound: when no show has this slug."""
    show = db.session.scalar(select(Show).where(Show.slug == slug))
    if show is None:
        raise NotFound(f"There is no show called “{slug}”.")
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
    category: str = DEFAULT_CATEGORY,
    subcategory: str | None = None,
    explicit: bool = False,
    copyright: str | None = None,
    artwork: BinaryIO | None = None,
) -> Show:
    """Create a show with every tag Apple requires, filling in what can be derived.

    Without ``artwork`` a placeholder is stored, because the feed must have an image.

    :raise InvalidInput: for a bad or taken slug, a missing title or a non-image artwork.
    """
    slug = slug.strip().lower()
    _check_new_slug(slug)
    if not title.strip():
        raise InvalidInput("Give the show a title.", "title")
    if not language.strip():
        raise InvalidInput("Give the show's language, for example “sv”.", "language")
    if "@" not in owner_email:
        raise InvalidInput("Give the owner's email address.", "owner_email")
    artwork = artwork or io.BytesIO(placeholder_png())
    image_type = sniff_image(artwork)
    if image_type is None:
        raise InvalidInput("The artwork must be a JPEG or PNG image.", "artwork")
    check_artwork(artwork)
    show = Show(
        slug=slug,
        title=title.strip(),
        language=language.strip(),
        description=description.strip(),
        author=(author or owner_name or title).strip(),
        owner_name=(owner_name or author or title).strip(),
        owner_email=owner_email.strip(),
        category=category,
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
            "The address name may hold only lower-case letters a–z, digits and hyphens.", "slug"
        )
    if slug in RESERVED_SHOW_SLUGS:
        raise InvalidInput(f"“{slug}” is reserved by the site; choose another.", "slug")
    if db.session.scalar(select(Show.id).where(Show.slug == slug)):
        raise InvalidInput(f"A show called “{slug}” already exists.", "slug")


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
