"""Make, check and restore backup folders; plain functions over a database URL and a Storage.

The database is dumped first and the objects listed after it. Object keys are
never reused for other bytes, so every object a dumped row names is still the
same object when it is copied; one deleted in between (an episode removed
during the backup) makes ``create`` stop and say so, rather than write a
backup that restores a row without its file.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from media.storage import ObjectNotFound, Storage

FORMAT = 1
MANIFEST = "manifest.json"
OBJECTS = "objects"
PG_DUMP_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"
CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    """The backup cannot be made, checked or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Entry:
    """One file of the backup as the manifest records it."""

    key: str
    size: int
    sha256: str
    content_type: str = "application/octet-stream"


# --- create -------------------------------------------------------------------


def create_backup(
    folder: Path, database_url: str, storage: Storage, say: Callable[[str], None] = print
) -> dict:
    """Dump the database, copy every stored object, then write the manifest; returns it.

    :raise BackupError: when the folder is not empty, a tool is missing or an object vanished.
    """
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty; give a new folder for each backup.")
    (folder / OBJECTS).mkdir(parents=True, exist_ok=True)
    kind = database_kind(database_url)
    dump = folder / (PG_DUMP_FILE if kind == "postgresql" else SQLITE_FILE)
    if kind == "postgresql":
        _pg_dump(database_url, dump)
    else:
        _sqlite_copy(_sqlite_path(database_url), dump)
    say(f"database: {dump.name} ({dump.stat().st_size} bytes)")
    content_types = _content_types(database_url)
    objects = []
    for info in storage.list_objects():
        entry = _copy_object(storage, info.key, folder / OBJECTS / info.key)
        objects.append(Entry(info.key, entry[0], entry[1], content_types.get(info.key, "")))
    say(f"objects: {len(objects)} ({sum(o.size for o in objects)} bytes)")
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {
            "kind": kind,
            "file": dump.name,
            "size": dump.stat().st_size,
            "sha256": _file_sha256(dump),
            "revision": _revision(database_url),
        },
        "objects": [entry.__dict__ for entry in objects],
    }
    partial = folder / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    partial.replace(folder / MANIFEST)
    return manifest


def _copy_object(storage: Storage, key: str, target: Path) -> tuple[int, str]:
    """Stream one object to a file, hashing on the way; returns (size, sha256)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        total = storage.size(key)
        with target.open("wb") as out:
            chunks: Iterable[bytes] = storage.iter_range(key, 0, total - 1) if total else ()
            for chunk in chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
    except ObjectNotFound:
        raise BackupError(
            f"{key} was deleted while the backup ran; run the backup again."
        ) from None
    return size, digest.hexdigest()


def _content_types(database_url: str) -> dict[str, str]:
    """What each stored file is, so a restore stores it with the same Content-Type."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT storage_key, mime_type FROM stored_files"))
            return {key: mime for key, mime in rows}
    finally:
        engine.dispose()


def _revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


# --- verify -------------------------------------------------------------------


def read_manifest(folder: Path) -> dict:
    """:raise BackupError: when the folder holds no complete backup."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(
            f"{folder} holds no {MANIFEST}: not a backup, or one that was interrupted."
        )
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder} is a backup of format {manifest.get('format')}, not {FORMAT}.")
    return manifest


def check_folder(folder: Path, manifest: dict) -> list[str]:
    """Problems with the backup's own files: each must have the size and hash recorded."""
    folder = Path(folder)
    problems = []
    database = manifest["database"]
    files = [(folder / database["file"], database["size"], database["sha256"], database["file"])]
    files += [
        (folder / OBJECTS / o["key"], o["size"], o["sha256"], f"{OBJECTS}/{o['key']}")
        for o in manifest["objects"]
    ]
    for path, size, sha256, name in files:
        if not path.is_file():
            problems.append(f"missing from the backup: {name}")
        elif path.stat().st_size != size or _file_sha256(path) != sha256:
            problems.append(f"changed since the backup was made: {name}")
    return problems


def check_storage(manifest: dict, storage: Storage, deep: bool = False) -> list[str]:
    """Problems between the manifest and live storage: missing objects, other sizes or bytes."""
    problems = []
    for entry in manifest["objects"]:
        try:
            size = storage.size(entry["key"])
        except ObjectNotFound:
            problems.append(f"missing from storage: {entry['key']}")
            continue
        if size != entry["size"]:
            problems.append(f"different size in storage: {entry['key']}")
        elif deep and storage.sha256(entry["key"]) != entry["sha256"]:
            problems.append(f"different bytes in storage: {entry['key']}")
    return problems


# --- restore ------------------------------------------------------------------


def restore_backup(
    folder: Path, database_url: str, storage: Storage, say: Callable[[str], None] = print
) -> None:
    """Load the database and the objects into an empty instance.

    :raise BackupError: when the backup is damaged, the kinds differ, or the target is not empty.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    problems = check_folder(folder, manifest)
    if problems:
        raise BackupError("the backup is damaged:\n" + "\n".join(problems))
    kind = database_kind(database_url)
    if kind != manifest["database"]["kind"]:
        raise BackupError(
            f"this backup is of a {manifest['database']['kind']} database; "
            f"DATABASE_URL names {kind}."
        )
    if kind == "sqlite":
        _sqlite_path(database_url).parent.mkdir(parents=True, exist_ok=True)
    if _has_tables(database_url):
        raise BackupError(
            "the database already has tables: restore into a new, empty database "
            "(do not run `flask db upgrade` first)."
        )
    if storage.list_keys():
        raise BackupError("the storage already holds objects: restore into an empty bucket/folder.")
    dump = folder / manifest["database"]["file"]
    if kind == "postgresql":
        _pg_restore(database_url, dump)
    else:
        _sqlite_copy(dump, _sqlite_path(database_url))
    say(f"database restored (revision {manifest['database']['revision']})")
    for entry in manifest["objects"]:
        content_type = entry["content_type"] or _guess_type(entry["key"])
        with (folder / OBJECTS / entry["key"]).open("rb") as stream:
            saved = storage.save(entry["key"], stream, content_type)
        if saved.sha256 != entry["sha256"]:
            raise BackupError(f"storage kept other bytes for {entry['key']}; check the storage.")
    say(f"objects restored: {len(manifest['objects'])}")


def _has_tables(database_url: str) -> bool:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return bool(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def _guess_type(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


# --- databases ----------------------------------------------------------------


def database_kind(database_url: str) -> str:
    backend = make_url(database_url).get_backend_name()
    if backend not in ("postgresql", "sqlite"):
        raise BackupError(f"backups know PostgreSQL and SQLite, not {backend}.")
    return backend


def _sqlite_path(database_url: str) -> Path:
    return Path(make_url(database_url).database or "")


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while the app writes."""
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """The URL for pg_dump/pg_restore, with the password moved to the environment."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client of the server's major version "
            "(Debian: apt-get install postgresql-client-15)."
        )
    return path


def _pg_dump(database_url: str, target: Path) -> None:
    """One transaction's snapshot (pg_dump's own), in the custom format pg_restore reads."""
    url, env = _libpq(database_url)
    command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
    _run([*command, f"--file={target}", f"--dbname={url}"], env)


def _pg_restore(database_url: str, dump: Path) -> None:
    url, env = _libpq(database_url)
    command = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
    _run([*command, "--single-transaction", f"--dbname={url}", str(dump)], env)


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed:\n{result.stderr.strip()}")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
