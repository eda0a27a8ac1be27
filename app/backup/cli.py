"""The ``flask backup`` commands; app/backup/snapshot.py does the work."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.backup.snapshot import (
    BackupError,
    check_folder,
    check_storage,
    create_backup,
    read_manifest,
    restore_backup,
)
from app.extensions import db
from app.storage import current_storage

backup = AppGroup("backup", help="Back up, check and restore the database and stored files.")
FOLDER = click.Path(file_okay=False, path_type=Path)


@backup.command("create")
@click.argument("folder", type=FOLDER)
def create_command(folder: Path) -> None:
    """Write a snapshot to FOLDER (new or empty): database dump, objects, manifest."""
    _guarded(create_backup, folder, _database_url(), current_storage(), click.echo)
    click.echo(f"backup written to {folder}")


@backup.command("verify")
@click.argument("folder", type=FOLDER)
@click.option("--deep", is_flag=True, help="Also hash every object in storage (reads them all).")
def verify_command(folder: Path, deep: bool) -> None:
    """Check FOLDER's files against its manifest, and the manifest against storage."""
    manifest = _guarded(read_manifest, folder)
    problems = check_folder(folder, manifest) + _guarded(
        check_storage, manifest, current_storage(), deep
    )
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) found")
    click.echo(f"backup intact: database and {len(manifest['objects'])} objects match")


@backup.command("restore")
@click.argument("folder", type=FOLDER)
def restore_command(folder: Path) -> None:
    """Load FOLDER into this instance, whose database and storage must be empty."""
    db.engine.dispose()  # no pooled connection into the database being filled
    _guarded(restore_backup, folder, _database_url(), current_storage(), click.echo)
    click.echo("restore finished")


def _database_url() -> str:
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


def _guarded(function, *args):
    try:
        return function(*args)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
