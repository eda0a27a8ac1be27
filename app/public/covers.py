"""Covers for pages: the stored artwork in the few sizes a page, the embed and a card need.

Apps get the full-size artwork from the feed; a phone showing a show page needs
a 320 px image, not a 3000 px one of several hundred kilobytes. Each size is
made from the stored cover (``media.artwork.cover_jpeg``) on first request and
kept in this process's memory; its URL names the stored file's key, which is
never reused, so browsers and proxies may keep it for a year.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import or_, select

from app.extensions import db
from app.models import Episode, Show, StoredFile, utcnow
from app.storage import current_storage
from app.urls import absolute_url
from media.artwork import COVER_WIDTHS, cover_jpeg

# 1200 px covers are about 100 KB at most, thumbnails a few: some MB per process.
MAX_CACHED_COVERS = 96
_EXTENSION_KEY = "podhost.covers"
_lock = threading.Lock()


@dataclass(frozen=True)
class Cover:
    """What an ``<img>`` needs: ``src``, ``srcset`` and its intrinsic size."""

    src: str
    srcset: str
    width: int
    height: int


def cover_of(show: Show, episode: Episode | None = None) -> StoredFile | None:
    """The episode's own artwork, or else the show's, as apps choose it."""
    if episode is not None and episode.image is not None:
        return episode.image
    return show.image


def cover_url(stored: StoredFile, width: int) -> str:
    return absolute_url("public.cover", width=width, key=stored.storage_key)


def responsive_cover(
    stored: StoredFile | None, widths: tuple[int, ...], shown: int
) -> Cover | None:
    """``srcset`` over ``widths``; ``src`` and the intrinsic size are those of ``shown``."""
    if stored is None:
        return None
    srcset = ", ".join(f"{cover_url(stored, width)} {width}w" for width in widths)
    return Cover(cover_url(stored, shown), srcset, shown, shown)


def cover_bytes(key: str, width: int) -> bytes | None:
    """The JPEG of the cover stored at ``key`` at ``width`` px, or None.

    None for a width not in ``COVER_WIDTHS``, and for a key that is no show's
    cover and no published episode's, so nothing else in storage can be read here.
    """
    if width not in COVER_WIDTHS:
        return None
    cache: OrderedDict[tuple[str, int], bytes] = current_app.extensions.setdefault(
        _EXTENSION_KEY, OrderedDict()
    )
    with _lock:
        found = cache.get((key, width))
        if found is not None:
            cache.move_to_end((key, width))
            return found
    if not _is_a_cover(key):
        return None
    with current_storage().open(key) as stream:
        jpeg = cover_jpeg(stream.read(), width)
    with _lock:
        cache[(key, width)] = jpeg
        while len(cache) > MAX_CACHED_COVERS:
            cache.popitem(last=False)
    return jpeg


def _is_a_cover(key: str) -> bool:
    of_show = select(Show.image_id).where(Show.image_id.is_not(None))
    of_episode = select(Episode.image_id).where(
        Episode.image_id.is_not(None), Episode.published_at <= utcnow()
    )
    return (
        db.session.scalar(
            select(StoredFile.id).where(
                StoredFile.storage_key == key,
                or_(StoredFile.id.in_(of_show), StoredFile.id.in_(of_episode)),
            )
        )
        is not None
    )
