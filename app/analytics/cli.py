"""``flask --app app analytics SHOW [--csv]``, ``analytics-aggregate``, ``user-agents refresh``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from app.analytics.refresh import DEFAULT_BASE_URL, RefreshError, refresh_user_agents
from app.cli import service_errors
from app.services.analytics import aggregate_downloads
from app.services.analytics_reports import Report, downloads_csv, show_report

user_agents_cli = AppGroup("user-agents", help="The OPAWG lists that recognise apps and bots.")


@click.command("analytics")
@click.argument("show")
@click.option("--csv", "as_csv", is_flag=True, help="Every daily count as CSV, for spreadsheets.")
@with_appcontext
def analytics_command(show: str, as_csv: bool) -> None:
    """Downloads of SHOW: per episode, first 7 and 30 days, top apps and platforms."""
    with service_errors():
        if as_csv:
            click.echo(downloads_csv(show), nl=False)
            return
        click.echo(format_report(show_report(show)))


@click.command("analytics-aggregate")
@with_appcontext
def aggregate_command() -> None:
    """Turn raw hits into daily counts and drop hits past the retention period."""
    removed = aggregate_downloads()
    days = current_app.config["ANALYTICS_RETENTION_DAYS"]
    click.echo(f"Daily counts are up to date; {removed} hits older than {days} days removed.")


@user_agents_cli.command("refresh")
@click.option("--url", "base_url", default=DEFAULT_BASE_URL, show_default=True)
def refresh_command(base_url: str) -> None:
    """Download the current OPAWG lists into USER_AGENTS_DIR; restart web processes after."""
    dest = Path(current_app.config["USER_AGENTS_DIR"])
    try:
        counts = refresh_user_agents(dest, base_url)
    except RefreshError as exc:
        raise click.ClickException(f"{exc}. The lists in {dest} are unchanged.") from exc
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    click.echo(f"Updated {dest}: {summary}.")


def format_report(report: Report) -> str:
    """A plain-text report that reads well in a terminal and in an email."""
    lines = [f"{report.title}: {report.total} downloads", ""]
    lines.append(f"{'Episode':40} {'Published':10} {'7 days':>7} {'30 days':>8} {'Total':>7}")
    for item in report.episodes:
        lines.append(
            f"{item.episode.title[:40]:40} {item.episode.published_at:%Y-%m-%d} "
            f"{_or_dash(item.first_7):>7} {_or_dash(item.first_30):>8} {item.total:>7}"
        )
    for heading, rows in (("Top apps", report.apps), ("Top platforms", report.platforms)):
        lines += ["", heading]
        lines += [f"  {name:38} {downloads:>7}" for name, downloads in rows] or ["  none yet"]
    return "\n".join(lines)


def _or_dash(value: int | None) -> str:
    return "–" if value is None else str(value)
