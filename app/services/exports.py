"""A show as one self-contained zip archive, and that archive back into a show.

The archive holds the feed as published (``feed.xml``), a manifest of every
column of every row that belongs to the show (``manifest.json``) and every
stored file (``files/<storage key>``). The manifest is built from the models'
tables, not from a list of fields, so a column or table added later is carried
without anyone remembering to add it here: every table with a foreign key to
``shows`` or ``episodes`` is included, except the ones below that describe this
instance rather than the show (logins, caches, download statistics, imports).

Importing restores the rows with new ids and the files under their old keys
(new ones when a key is taken), so the restored feed is the same bytes except
for URLs that point at this host.
"""

from __future__ import annotations

import base64
import json
import shutil
import uuid
import zipfile
from contextlib import ExitStack
from datetime import date, datetime
from typing import Any, BinaryIO

from sqlalchemy import Date, DateTime, LargeBinary, Table, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Episode, Show, StoredFile
from app.services.errors import InvalidInput
from app.services.feed import ensure_podcast_guid, show_feed
from app.services.files import store_file
from app.services.hashes import hash_stored_files
from app.services.shows import _check_new_slug, get_show
from app.storage import current_storage
from app.urls import absolute_url, feed_url
from media.storage import StorageError, validate_key

FORMAT = "podhost-show-export"
VERSION = 1
MANIFEST = "manifest.json"
UNSAFE = "The archive is damaged or unsafe: {detail}. Nothing was imported."
FEED = "feed.xml"
# Rows about this instance, not the show: they do not travel.
NOT_EXPORTED = {
    "users",
    "memberships",
    "feed_cache",
    "download_salts",
    "download_hits",
    "daily_downloads",
    "import_jobs",
    "import_items",
}


def show_tables() -> list[Table]:
    """The show's tables in dependency order: shows, episodes, then their children."""
    wanted = []
    for table in db.metadata.sorted_tables:
        if table.name in NOT_EXPORTED or table.name == "stored_files":
            continue
        if table.name == "shows" or _owner(table) is not None:
            wanted.append(table)
    return wanted


def _owner(table: Table) -> tuple[str, str] | None:
    """(column, "shows" or "episodes"): how a row of ``table`` belongs to a show."""
    found = None
    for column in table.columns:
        for key in column.foreign_keys:
            target = key.column.table.name
            if target == "shows":
                return column.name, "shows"
            if target == "episodes" and found is None:
                found = (column.name, "episodes")
    return found


# --- export ------------------------------------------------------------------------


def export_show(show_slug: str, out: BinaryIO) -> dict[str, Any]:
    """Write the show's archive to ``out`` (a seekable binary file); returns the manifest.

    Files are streamed from storage into the zip one by one, never held whole.

    :raise NotFound: for an unknown show.
    :raise StorageUnavailable: when a stored file cannot be read.
    """
    show = get_show(show_slug)
    ensure_podcast_guid(show)  # the manifest must carry the guid the feed shows
    db.session.commit()
    tables = _rows(show)
    files = _files(tables)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": datetime.now().astimezone().isoformat(),
        "base_url": absolute_url("public.index"),
        "feed_url": feed_url(show),
        "tables": tables,
        "stored_files": files,
    }
    feed = show_feed(show)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr(FEED, feed)
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        for entry in files:
            _copy_into(archive, entry["storage_key"], entry["archive_path"])
    return manifest


def _rows(show: Show) -> dict[str, list[dict[str, Any]]]:
    episode_ids = list(db.session.scalars(select(Episode.id).where(Episode.show_id == show.id)))
    rows: dict[str, list[dict[str, Any]]] = {}
    for table in show_tables():
        if table.name == "shows":
            query = select(table).where(table.c.id == show.id)
        else:
            column, owner = _owner(table)
            ids = [show.id] if owner == "shows" else episode_ids
            query = select(table).where(table.c[column].in_(ids))
        if "id" in table.c:
            query = query.order_by(table.c.id)
        rows[table.name] = [
            {name: _to_json(value) for name, value in row.items()}
            for row in db.session.execute(query).mappings()
        ]
    return rows


def _files(tables: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every stored file a row points to, with all its columns and its place in the zip.

    A hash still pending (an upload straight to S3 the worker has not read yet)
    is computed first: the import verifies every file against the manifest.

    :raise StorageUnavailable: when a pending file cannot be read.
    """
    ids = _file_ids(tables)
    hash_stored_files(ids)
    table = StoredFile.__table__
    entries = []
    for row in db.session.execute(
        select(table).where(table.c.id.in_(sorted(ids))).order_by(table.c.id)
    ).mappings():
        entry = {name: _to_json(value) for name, value in row.items()}
        entry["archive_path"] = "files/" + row["storage_key"]
        entries.append(entry)
    return entries


def _file_ids(tables: dict[str, list[dict[str, Any]]]) -> set[int]:
    ids: set[int] = set()
    for table in show_tables():
        for column in table.columns:
            if any(key.column.table.name == "stored_files" for key in column.foreign_keys):
                ids.update(row[column.name] for row in tables[table.name] if row[column.name])
    return ids


def _copy_into(archive: zipfile.ZipFile, key: str, path: str) -> None:
    from app.services.errors import StorageUnavailable

    try:
        with (
            current_storage().open(key) as source,
            archive.open(path, "w", force_zip64=True) as sink,
        ):
            shutil.copyfileobj(source, sink, 1024 * 1024)
    except StorageError as exc:
        raise StorageUnavailable(f"The stored file {key} could not be read: {exc}") from exc


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


# --- import ------------------------------------------------------------------------


def is_archive(stream: BinaryIO) -> bool:
    """Whether the file is a zip holding our manifest (position is kept)."""
    start = stream.tell()
    try:
        if not zipfile.is_zipfile(stream):
            return False
        stream.seek(start)
        with zipfile.ZipFile(stream) as archive:
            return MANIFEST in archive.namelist()
    finally:
        stream.seek(start)


def import_archive(stream: BinaryIO, slug: str | None = None) -> Show:
    """Restore a show from an archive made by :func:`export_show`; all or nothing.

    :raise InvalidInput: for a file that is not such an archive, a taken slug,
        GUIDs another show already uses, or a file whose checksum does not match.
    :raise StorageUnavailable: when storage refuses a file; nothing is kept.
    """
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as exc:
        raise InvalidInput("The file is not a zip archive.", "archive") from exc
    with archive:
        manifest = _manifest(archive)
        tables = manifest["tables"]
        old_slug = tables["shows"][0]["slug"]
        slug = (slug or old_slug).strip().lower()
        _check_new_slug(slug)
        _check_guids(tables.get("episodes", []))
        with ExitStack() as stored:
            files = {
                entry["id"]: stored.enter_context(_restore_file(archive, entry, old_slug, slug))
                for entry in manifest["stored_files"]
            }
            db.session.add_all(files.values())
            db.session.flush()  # the rows need their new ids before others point to them
            show = _restore_rows(tables, files, slug)
            try:
                db.session.commit()
            except IntegrityError as exc:
                raise InvalidInput(f"The archive does not fit this instance: {exc.orig}") from exc
    return show


def _manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError) as exc:
        raise InvalidInput("The archive has no readable manifest.json.", "archive") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise InvalidInput("The archive was not made by this service's export.", "archive")
    if len(manifest.get("tables", {}).get("shows", [])) != 1:
        raise InvalidInput("The archive must hold exactly one show.", "archive")
    _check_file_entries(manifest.get("stored_files", []))
    return manifest


def _check_file_entries(entries: Any) -> None:
    """Every stored file must name a key inside the storage area, and be at its place.

    An export writes keys like ``show/abc.mp3``; a key with ``..``, a leading ``/``
    or a backslash could only come from a damaged or crafted archive, and must not
    reach storage, where it would fail as if storage were down.

    :raise InvalidInput: naming the first such entry; nothing is imported.
    """
    if not isinstance(entries, list):
        raise InvalidInput(UNSAFE.format(detail="its list of files is not a list"), "archive")
    for entry in entries:
        key = entry.get("storage_key") if isinstance(entry, dict) else None
        try:
            validate_key(key if isinstance(key, str) else "")
        except StorageError:
            raise InvalidInput(
                UNSAFE.format(detail=f"it names a file outside the storage area ({key!r})"),
                "archive",
            ) from None
        if entry.get("archive_path") != "files/" + key:
            raise InvalidInput(
                UNSAFE.format(detail=f"the file {key!r} is not where it should be"), "archive"
            )


def _check_guids(episodes: list[dict[str, Any]]) -> None:
    guids = [row["guid"] for row in episodes]
    taken = set()
    for start in range(0, len(guids), 500):
        taken.update(
            db.session.scalars(
                select(Episode.guid).where(Episode.guid.in_(guids[start : start + 500]))
            )
        )
    if taken:
        raise InvalidInput(
            f"{len(taken)} episode GUIDs of the archive are already used on this instance "
            f"(e.g. “{sorted(taken)[0]}”); GUIDs must stay unique, so nothing was imported.",
            "archive",
        )


def _restore_file(archive: zipfile.ZipFile, entry: dict[str, Any], old_slug: str, slug: str):
    """store_file for one archived file, under its old key when that is free."""
    key = entry["storage_key"]
    if old_slug != slug:
        key = slug + key[len(old_slug) :] if key.startswith(old_slug + "/") else f"{slug}/{key}"
    if db.session.scalar(select(StoredFile.id).where(StoredFile.storage_key == key)):
        suffix = "." + key.rsplit(".", 1)[1] if "." in key.rsplit("/", 1)[-1] else ""
        key = f"{slug}/{uuid.uuid4().hex}{suffix}"
    try:
        source = archive.open(entry["archive_path"])
    except KeyError as exc:
        raise InvalidInput(f"The archive lacks {entry['archive_path']}.", "archive") from exc
    return _CheckedStore(key, source, entry)


class _CheckedStore:
    """store_file, then compare the checksum with the manifest's before the row is used."""

    def __init__(self, key: str, source: BinaryIO, entry: dict[str, Any]) -> None:
        self.source, self.entry = source, entry
        self.inner = store_file(
            key,
            source,
            entry["mime_type"],
            duration=entry.get("duration"),
            original_filename=entry.get("original_filename"),
        )

    def __enter__(self) -> StoredFile:
        try:
            row = self.inner.__enter__()
        finally:
            self.source.close()
        if row.sha256 != self.entry["sha256"]:
            self.inner.__exit__(InvalidInput, InvalidInput(""), None)
            raise InvalidInput(
                f"{self.entry['archive_path']} is damaged (its checksum differs).", "archive"
            )
        if self.entry.get("created_at"):
            row.created_at = datetime.fromisoformat(self.entry["created_at"])
        return row

    def __exit__(self, *exc_info: Any) -> bool | None:
        return self.inner.__exit__(*exc_info)


def _restore_rows(
    tables: dict[str, list[dict[str, Any]]], files: dict[int, StoredFile], slug: str
) -> Show:
    """Insert every row with new ids, foreign keys mapped through the rows already made."""
    made: dict[str, dict[int, Any]] = {"stored_files": files}
    show = None
    for table in show_tables():
        model = _model(table)
        made[table.name] = {}
        for row in tables.get(table.name, []):
            values = _values(table, row, made)
            if values is None:
                continue
            if table.name == "shows":
                values["slug"] = slug
            obj = model(**values)
            db.session.add(obj)
            db.session.flush()
            if "id" in row:
                made[table.name][row["id"]] = obj
            if table.name == "shows":
                show = obj
    return show


def _values(
    table: Table, row: dict[str, Any], made: dict[str, dict[int, Any]]
) -> dict[str, Any] | None:
    """Column values of one archived row for this instance; None to leave the row out."""
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.name not in row or (column.primary_key and column.name == "id"):
            continue
        value = row[column.name]
        targets = [key.column.table.name for key in column.foreign_keys]
        if targets and value is not None:
            target = made.get(targets[0], {}).get(value)
            if target is None:
                if not column.nullable:
                    return None  # points at something that does not travel
                value = None
            else:
                value = target.id
        else:
            value = _from_json(column, value)
        values[_attribute(table, column.name)] = value
    return values


def _from_json(column: Any, value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    return value


def _model(table: Table) -> type:
    for mapper in db.Model.registry.mappers:
        if mapper.local_table is table:
            return mapper.class_
    raise LookupError(table.name)


def _attribute(table: Table, column_name: str) -> str:
    """The mapped attribute name of a column (they match today; this keeps it honest)."""
    mapper = next(m for m in db.Model.registry.mappers if m.local_table is table)
    for prop in mapper.column_attrs:
        if any(c.name == column_name for c in prop.columns):
            return prop.key
    return column_name
