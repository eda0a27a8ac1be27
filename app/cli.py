"""Thin click commands over the services: ``flask --app app users|shows|episodes|demo``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.services import directories, episodes, shows, users
from app.services.errors import ServiceError

users_cli = AppGroup("users", help="Studio accounts.")
shows_cli = AppGroup("shows", help="Podcasts.")
episodes_cli = AppGroup("episodes", help="Episodes of a show.")


def init_commands(app: Flask) -> None:
    from app.demo import demo_command

    for command in (users_cli, shows_cli, episodes_cli, demo_command):
        app.cli.add_command(command)


@contextmanager
def service_errors() -> Iterator[None]:
    """Show a service's message as a one-line CLI error instead of a traceback."""
    try:
        yield
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc


@users_cli.command("create")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Instance administrator.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, admin: bool, password_stdin: bool) -> None:
    """Create a studio login; the password is asked for unless given on stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with service_errors():
        user = users.create_user(email, password, is_admin=admin)
    click.echo(f"Created {'admin ' if user.is_admin else ''}user {user.email}")


@shows_cli.command("create")
@click.argument("slug")
@click.option("--title", required=True)
@click.option("--language", default="sv", show_default=True, help="e.g. sv, sv-SE, en")
@click.option("--description", default="")
@click.option("--author", help="Defaults to the owner name.")
@click.option("--owner-name", help="Defaults to the author.")
@click.option("--owner-email", required=True)
@click.option("--category", default=shows.DEFAULT_CATEGORY, show_default=True)
@click.option("--subcategory")
@click.option("--explicit", is_flag=True)
@click.option("--copyright", "copyright_")
@click.option("--artwork", type=click.File("rb"), help="JPEG or PNG; a placeholder if omitted.")
def create_show(slug: str, copyright_: str | None, **fields) -> None:
    """Create a show whose feed lives at /SLUG/feed.xml, forever."""
    with service_errors():
        show = shows.create_show(slug, copyright=copyright_, **fields)
    click.echo(f"Created show {show.slug}: /{show.slug}/feed.xml")


@shows_cli.command("list")
def list_shows() -> None:
    for show in shows.list_shows():
        click.echo(f"{show.slug}\t{show.title}")


@shows_cli.command("link")
@click.argument("slug")
@click.argument("directory", type=click.Choice(sorted(directories.DIRECTORIES)))
@click.argument("url", required=False)
def link_show(slug: str, directory: str, url: str | None) -> None:
    """Link the show page to its page in DIRECTORY (Apple Podcasts, Spotify ...); no URL unlinks."""
    with service_errors():
        if url:
            directories.set_directory_link(slug, directory, url)
        else:
            directories.remove_directory_link(slug, directory)
    click.echo(f"{slug}: {directory} {'→ ' + url if url else 'unlinked'}")


@episodes_cli.command("add")
@click.argument("show")
@click.argument("file", type=click.File("rb"))
@click.option("--title", required=True)
@click.option("--description", default="")
@click.option("--publish/--draft", default=False, help="Publish now, or keep as a draft.")
def add_episode(show: str, file, title: str, description: str, publish: bool) -> None:
    """Upload FILE as a new episode of SHOW, through the same service as the studio form."""
    with service_errors():
        episode = episodes.add_episode(
            show,
            file,
            title=title,
            description=description,
            filename=Path(file.name).name,
            publish=publish,
        )
    state = "published" if episode.published_at else "draft"
    click.echo(f"Added episode {episode.slug} ({state}, {episode.audio.duration:.1f} s)")
