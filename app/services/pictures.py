"""Pictures of podcast:person rows and chapters: an address, or our stored copy.

An import keeps a copy of each picture the old host served (``img_file``), so
the show keeps its pictures when that host shuts down; a producer may also type
any address (``img``). Editors show the stored copy's address, and a row saved
with that address unchanged keeps the copy. A copy no row points to any more
leaves storage after the commit that dropped it.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import select

from app.extensions import db
from app.models import Chapter, Person, StoredFile
from app.urls import media_url


def picture_url(row: Person | Chapter) -> str | None:
    """The address feeds and pages give: our copy's, else the one typed."""
    return media_url(row.img_file) if row.img_file is not None else row.img


def keep_stored_pictures(rows: Iterable[Person | Chapter], files: Iterable[StoredFile]) -> None:
    """Point rows whose address is a stored copy's (as the editor showed it) at that copy.

    Compared by path, so the copy is found whichever host name the page was
    opened under.
    """
    tails = {"/media/" + stored.storage_key: stored for stored in files}
    for row in rows:
        path = urlsplit(row.img).path if row.img else ""
        found = next((stored for tail, stored in tails.items() if path.endswith(tail)), None)
        if found is not None:
            row.img_file, row.img = found, None


def pictures_of(rows: Iterable[Person | Chapter]) -> list[StoredFile]:
    return [row.img_file for row in rows if row.img_file is not None]


def drop_unused_pictures(files: Iterable[StoredFile]) -> list[str]:
    """Delete the rows of stored pictures no person or chapter points to any more.

    Call after the rows that pointed to them are changed; returns the storage
    keys, to delete after the commit (``delete_stored_quietly``).
    """
    db.session.flush()
    keys = []
    for stored in {stored.id: stored for stored in files}.values():
        used = db.session.scalar(
            select(Person.id).where(Person.img_file_id == stored.id).limit(1)
        ) or db.session.scalar(select(Chapter.id).where(Chapter.img_file_id == stored.id).limit(1))
        if not used:
            keys.append(stored.storage_key)
            db.session.delete(stored)
    return keys
