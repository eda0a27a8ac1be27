"""Thin click commands over the services: ``flask --app app users|shows|episodes|demo``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.services import directories, episodes, shows, users
from app.services.errors import ServiceError

users_cli = AppGroup("users", help="Studio accounts.")
shows_cli = AppGroup("shows", help="Podcasts.")
episodes_cli = AppGroup("episodes", help="Episodes of a show.")
feeds_cli = AppGroup("feeds", help="Feed health, refresh and announcements.")
uploads_cli = AppGroup("uploads", help="Studio uploads in progress.")
imports_cli = AppGroup("imports", help="Imports of shows from other hosts.")
storage_cli = AppGroup("storage", help="The storage of media files.")


def init_commands(app: Flask) -> None:
    from app.analytics.cli import aggregate_command, analytics_command, user_agents_cli
    from app.demo import demo_command
    from app.jobs.consumer import worker_command

    commands = (
        users_cli,
        shows_cli,
        episodes_cli,
        feeds_cli,
        uploads_cli,
        imports_cli,
        storage_cli,
        demo_command,
        worker_command,
    )
    for command in (*commands, analytics_command, aggregate_command, user_agents_cli):
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


@users_cli.command("invite")
@click.argument("email")
@click.option("--show", "show_slug", help="Give the person a role on this show.")
@click.option(
    "--role", type=click.Choice(["author", "editor", "admin"]), default="editor", show_default=True
)
@click.option("--admin", is_flag=True, help="Instance administrator.")
def invite_user(email: str, show_slug: str | None, role: str, admin: bool) -> None:
    """Invite EMAIL and print the one-time link (7 days) that sets their password."""
    from app.services.accounts import invite

    with service_errors(), account_links():
        show = shows.get_show(show_slug) if show_slug else None
        invitation = invite(email, is_admin=admin, show=show, role=role if show else None)
        if invitation.pending == "has_password":
            click.echo(f"{invitation.user.email} already has a password; nothing to send.")
            return
        if invitation.token is None:  # the operator holds every right: only "invited" is left
            click.echo(
                f"{invitation.user.email} was invited earlier and that link still works; "
                f"for a new one (which ends it): flask users reset-link {invitation.user.email}"
            )
            return
        click.echo(f"Invitation for {invitation.user.email}, valid for 7 days, once:")
        click.echo(_account_link(invitation.token))


@users_cli.command("reset-link")
@click.argument("email")
def reset_link(email: str) -> None:
    """Print a one-time link (1 hour) with which EMAIL sets a new password."""
    from app.services.accounts import reset_token

    with service_errors(), account_links():
        token = reset_token(email)
        click.echo(f"Password reset link for {email.strip().lower()}, valid once:")
        click.echo(_account_link(token))


@contextmanager
def account_links() -> Iterator[None]:
    """Links are absolute and start with PUBLIC_BASE_URL, as everywhere (app.urls)."""
    from app.urls import public_base_url

    base = public_base_url()
    with current_app.test_request_context(base_url=base, headers={"Accept-Language": "en"}):
        yield


def _account_link(token: str) -> str:
    from app.urls import absolute_url

    return absolute_url("studio.set_password", token=token)


@shows_cli.command("create")
@click.argument("slug")
@click.option("--title", required=True)
@click.option("--language", default="sv", show_default=True, help="e.g. sv, sv-SE, en")
@click.option("--description", default="")
@click.option("--author", help="Defaults to the owner name.")
@click.option("--owner-name", help="Defaults to the author.")
@click.option("--owner-email", required=True)
@click.option(
    "--category",
    help=f"An Apple category; without it {shows.DEFAULT_CATEGORY}, which feed health "
    "reports as not chosen.",
)
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
@click.option(
    "--file-extras/--no-file-extras",
    default=True,
    help="Use the file's embedded cover and chapter marks, as the studio form does.",
)
def add_episode(
    show: str, file, title: str, description: str, publish: bool, file_extras: bool
) -> None:
    """Upload FILE as a new episode of SHOW, through the same service as the studio form."""
    with service_errors():
        episode = episodes.add_episode(
            show,
            file,
            title=title,
            description=description,
            filename=Path(file.name).name,
            publish=publish,
            use_cover=file_extras,
            use_chapters=file_extras,
        )
    state = "published" if episode.published_at else "draft"
    extras = f", {len(episode.chapters)} chapters" if episode.chapters else ""
    extras += ", cover art" if episode.image else ""
    click.echo(f"Added episode {episode.slug} ({state}, {episode.audio.duration:.1f} s{extras})")


@episodes_cli.command("add-format")
@click.argument("show")
@click.argument("episode")
@click.argument("file", type=click.File("rb"))
@click.option("--title", default="", help="What apps show for it, e.g. “Opus, lower bandwidth”.")
def add_format(show: str, episode: str, file, title: str) -> None:
    """Offer FILE as another format of EPISODE (its slug) of SHOW: podcast:alternateEnclosure.

    The same checks as the studio's "Other audio formats": the same recording, a new format.
    """
    from app.services.feed_extras import add_alternate_enclosure

    with service_errors():
        alternate = add_alternate_enclosure(
            show, episode, file, title=title, filename=Path(file.name).name
        )
    kind = alternate.file.mime_type + (f"; codecs={alternate.codecs}" if alternate.codecs else "")
    click.echo(f"Added {kind} ({alternate.file.size} bytes) to {episode}")


@contextmanager
def feed_urls(language: str = "en") -> Iterator[None]:
    """Feeds carry absolute URLs; outside a request they come from PUBLIC_BASE_URL.

    The request is English, like every other message of the command line, unless a
    command offers ``--language``.
    """
    from app.urls import public_base_url

    base = public_base_url()
    with current_app.test_request_context(base_url=base, headers={"Accept-Language": language}):
        yield


@feeds_cli.command("check")
@click.argument("show")
@click.option(
    "--language",
    type=click.Choice(["en", "sv"]),
    default="en",
    show_default=True,
    help="The language of the findings: the studio's words for them.",
)
def check_feed(show: str, language: str) -> None:
    """Check SHOW's feed against Apple's and the Podcast Index's rules, and say what is
    missing before the show can go to Apple Podcasts and Spotify: the same findings, in
    the same words, as the studio's show page.

    Exits with status 1 when something is missing (an error), so scripts and CI can use it.
    """
    from flask_babel import gettext, ngettext

    from app.services.feed_health import feed_health
    from app.studio.health_text import health_text

    with service_errors(), feed_urls(language):
        findings = feed_health(show)
        texts = [(finding, health_text(finding)) for finding in findings]
        errors = sum(1 for finding in findings if finding.severity == "error")
        if not findings:
            headline = gettext("%(show)s: the feed is healthy and ready.", show=show)
        elif errors:
            headline = ngettext(
                "%(show)s is not ready for Apple Podcasts and Spotify: %(num)d thing is missing.",
                "%(show)s is not ready for Apple Podcasts and Spotify: %(num)d things are missing.",
                errors,
                show=show,
            )
        else:
            headline = gettext(
                "%(show)s can go to Apple Podcasts and Spotify; it would be better with "
                "these changes.",
                show=show,
            )
    click.echo(headline)
    for finding, text in texts:
        click.echo(f"{finding.severity.upper():8} {finding.where}: {text.text}")
    if errors:
        raise SystemExit(1)


@feeds_cli.command("refresh")
def refresh_feeds() -> None:
    """Rebuild due feeds and announce changed ones now (``flask worker`` does it every 30 s)."""
    from app.services.announce import announce_changed_feeds

    with feed_urls():
        for slug in announce_changed_feeds():
            click.echo(f"announced {slug}")


@feeds_cli.command("set")
@click.argument("show")
@click.option("--type", "itunes_type", type=click.Choice(["episodic", "serial"]))
@click.option("--itunes-title")
@click.option("--locked/--unlocked", default=None, help="podcast:locked: refuse imports.")
@click.option("--locked-owner", help="Email that may unlock; defaults to the owner's.")
@click.option("--complete/--not-complete", default=None, help="No more episodes will come.")
@click.option("--block/--unblock", "itunes_block", default=None, help="Hide from directories.")
@click.option("--new-feed-url", help="Tell apps the feed has moved there.")
@click.option("--medium")
@click.option("--license", "license_")
@click.option("--update-frequency", help="An RRULE, e.g. FREQ=WEEKLY.")
@click.option("--category")
@click.option("--subcategory")
@click.option("--page-size", "feed_page_size", type=int, help="Page the feed (RFC 5005).")
@click.option("--no-paging", is_flag=True, help="Serve the complete feed again.")
def set_feed_fields(show: str, license_: str | None, no_paging: bool, **fields) -> None:
    """Set SHOW's feed fields; options left out keep their value."""
    from app.services.feed_extras import update_show_feed

    changes = {name: value for name, value in fields.items() if value is not None}
    if license_ is not None:
        changes["license"] = license_
    if no_paging:
        changes["feed_page_size"] = None
    with service_errors():
        update_show_feed(show, **changes)
    click.echo(f"Updated {show}: {', '.join(sorted(changes)) or 'nothing'}")


DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_age(value: str) -> timedelta:
    """``90s``, ``30m``, ``24h`` or ``7d``: how old an upload must be to count as abandoned."""
    number, unit = value[:-1], value[-1:].lower()
    if unit not in DURATION_UNITS or not number.isdigit():
        raise click.BadParameter(f"{value!r}: give a number and a unit, e.g. 24h, 30m or 7d")
    return timedelta(seconds=int(number) * DURATION_UNITS[unit])


@uploads_cli.command("clean")
@click.option("--older-than", "older_than", default="24h", show_default=True, help="e.g. 24h, 7d")
def clean_uploads(older_than: str) -> None:
    """Remove abandoned uploads now: abort their multipart uploads, delete partial files.

    ``flask worker`` does this every hour for uploads older than a day.
    """
    from app.services.uploads import clean_abandoned

    age = parse_age(older_than)
    with service_errors():
        click.echo(f"removed {clean_abandoned(age)} abandoned upload(s)")


@storage_cli.command("sweep")
@click.option("--delete", is_flag=True, help="Remove the orphans; without it, only list them.")
def sweep_storage(delete: bool) -> None:
    """List objects no row names, older than STORAGE_SWEEP_GRACE; remove them with --delete."""
    from app.services.storage_sweep import sweep_storage as sweep

    with service_errors():
        result = sweep(delete=delete)
    for info in result.removed if delete else result.orphans:
        modified = info.last_modified.strftime("%Y-%m-%d %H:%M UTC")
        click.echo(f"{info.size:>14} bytes  {modified}  {info.key}")
    if not delete:
        click.echo(
            f"would remove {len(result.orphans)} orphan object(s), {result.orphan_bytes} bytes,"
            f" of {result.listed} listed; run with --delete to remove them"
        )
        return
    click.echo(
        f"removed {len(result.removed)} orphan object(s), {result.removed_bytes} bytes,"
        f" of {result.listed} listed"
    )
    skipped = len(result.orphans) - len(result.removed)
    if skipped and not result.failure:
        click.echo(f"kept {skipped}: named by a row, rewritten or gone since the listing")
    if result.failure:
        raise click.ClickException(
            f"stopped after a storage error, the rest is untouched: {result.failure}"
        )


@shows_cli.command("import")
@click.argument("source")
@click.option("--slug", help="Address name of the new show; from the title if omitted.")
@click.option("--owner-email", help="Used when the feed names no itunes:owner email.")
@click.option(
    "--owner-confirmed", is_flag=True, help="Import a podcast:locked feed: you are its owner."
)
@click.option("--background", is_flag=True, help="Only queue the media for `flask worker`.")
def import_show(
    source: str, slug: str | None, owner_email: str | None, owner_confirmed: bool, background: bool
) -> None:
    """Import a show from a feed URL, a feed file, or an archive made by `shows export`."""
    from app.services import exports, imports

    path = Path(source)
    with service_errors():
        if path.is_file():
            with path.open("rb") as stream:
                if exports.is_archive(stream):
                    show = exports.import_archive(stream, slug)
                    click.echo(f"Restored show {show.slug} from {path.name}: /{show.slug}/feed.xml")
                    return
                feed = imports.read_feed_file(stream, path.name)
        else:
            feed = imports.fetch_feed_source(source)
        job = imports.start_import(
            feed, slug=slug, owner_email=owner_email, owner_confirmed=owner_confirmed
        )
        slug, job_id = job.show.slug, job.id
        click.echo(f"Created show {slug}; {len(job.items)} episodes to import (job {job_id}).")
        if background:
            _report_show_notes(job)
            from app.jobs import enqueue

            for reserved in imports.reserve_for_queue(job_id):
                enqueue("run_import", job_id=reserved)
            return
        imports.claim_job(imports.worker_name(), job_id)
        job = imports.run_job(job_id, imports.worker_name())
        _report_job(job)


def _report_show_notes(job) -> None:
    """What happened to the show itself (its artwork, say), as the studio's import page says.

    In English, like the rest of the command line; ``job.message`` holds every
    such note of the job, one sentence each.
    """
    if job.message:
        click.echo(f"{job.show.slug}: {job.message}")


def _report_job(job) -> None:
    from app.services.imports import progress

    _report_show_notes(job)
    for item in job.items:
        if item.state != "done" or item.message:
            click.echo(f"{item.state:8} {item.guid or '-'}: {item.title}: {item.message or ''}")
    done = progress(job)
    click.echo(
        f"{job.show.slug}: {done.done} imported, {done.skipped} skipped, {done.pending} left."
    )


@shows_cli.command("export")
@click.argument("show")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Default: SHOW-export.zip")
def export_show(show: str, output: str | None) -> None:
    """Write SHOW's feed, every field and every stored file into one zip archive."""
    from app.services.exports import export_show as export

    target = Path(output or f"{show}-export.zip")
    partial = target.with_name(target.name + ".part")
    with service_errors(), feed_urls():
        try:
            with partial.open("wb") as out:
                manifest = export(show, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(target)
    episodes_count = len(manifest["tables"].get("episodes", []))
    click.echo(f"Exported {show}: {episodes_count} episodes to {target}")


@imports_cli.command("run")
def run_imports() -> None:
    """Run queued imports here and now, and any whose worker stopped (their lease ran out).

    ``flask worker`` runs them from the queue; this is for an operator who wants
    to see one through in the terminal.
    """
    from app.extensions import db
    from app.models import ImportJob
    from app.services.imports import run_pending

    for job_id in run_pending():
        click.echo(f"import {job_id} finished")
        job = db.session.get(ImportJob, job_id)
        if job is not None:
            _report_show_notes(job)
