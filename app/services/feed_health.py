"""Feed health: the linter's findings for a show, with the facts only storage and the
database know (the real artwork and file sizes, and which values are stand-ins)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Episode
from app.services.feed import cached_feed
from app.services.shows import DEFAULT_CATEGORY, get_show
from app.storage import current_storage
from app.urls import media_url
from feeds.lint import Artwork, Finding, LintContext, lint_feed
from media.artwork import inspect_artwork, placeholder_png
from media.storage import StorageError


def feed_health(show_slug: str) -> list[Finding]:
    """Findings for the show's current feed (page 1); the studio and the CLI show them.

    Reads the artwork and asks storage for each episode file's real size, so it
    costs one storage call per episode: run it on demand, not per feed request.

    :raise NotFound: for an unknown show.
    """
    show = get_show(show_slug)
    rendered = cached_feed(show_slug)
    context = LintContext()
    storage = current_storage()
    if show.image is not None:
        context.artwork[media_url(show.image)] = _artwork(show.image.storage_key)
        if _is_placeholder(show.image.storage_key, show.image.size):
            context.placeholder_artwork.add(media_url(show.image))
    if not show.category_chosen:
        context.default_category = DEFAULT_CATEGORY
    episodes = db.session.scalars(
        select(Episode).options(joinedload(Episode.audio)).where(Episode.show_id == show.id)
    )
    for episode in episodes:
        try:
            context.stored_sizes[media_url(episode.audio)] = storage.size(episode.audio.storage_key)
        except StorageError:
            context.stored_sizes[media_url(episode.audio)] = 0
    return lint_feed(rendered.body, context)


def _artwork(key: str) -> Artwork | None:
    try:
        with current_storage().open(key) as stream:
            info = inspect_artwork(stream)
    except StorageError:
        return None
    if info is None:
        return None
    return Artwork(info.width, info.height, info.mode, info.mime_type)


def _is_placeholder(key: str, size: int) -> bool:
    """Whether the stored artwork is the image a show gets when it is created without one."""
    placeholder = _placeholder()
    if size != len(placeholder):
        return False
    try:
        with current_storage().open(key) as stream:
            return stream.read(size + 1) == placeholder
    except StorageError:
        return False


@cache
def _placeholder() -> bytes:
    return placeholder_png()
