"""Reading the daily counts: per show and episode over time, first days, apps, CSV."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from flask_babel import gettext
from sqlalchemy import func, select

from app.extensions import db
from app.models import DailyCountryDownloads, DailyDownloads, Episode, utcnow
from app.services.analytics import aggregate_downloads
from app.services.episodes import published_episodes
from app.services.errors import NotFound
from app.services.shows import get_show

CHART_DAYS = 90
TOP = 10
UNKNOWN = "Unknown"
# The studio's periods, in days up to today (UTC); a year is shown by month.
PERIODS = (1, 7, 30, 365)
DEFAULT_PERIOD = 30


@dataclass(frozen=True)
class EpisodeSummary:
    """An episode's total and its first 7 and 30 days; None while those days are not over."""

    episode: Episode
    total: int
    first_7: int | None
    first_30: int | None


@dataclass(frozen=True)
class Report:
    """Everything one studio page or CLI report shows."""

    title: str
    total: int
    days: list[tuple[date, int]]
    episodes: list[EpisodeSummary]
    apps: list[tuple[str, int]]
    platforms: list[tuple[str, int]]
    # With a period: its length, its downloads, the chart's bars and countries ("" unknown).
    period: int | None = None
    period_total: int = 0
    buckets: list[Bucket] = field(default_factory=list)
    countries: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Bucket:
    """One bar of the chart: a day, or for a year a month (``start`` to ``end``)."""

    start: date
    end: date
    downloads: int


def show_report(slug: str, now: datetime | None = None, period: int | None = None) -> Report:
    """The show's downloads, counted afresh from the raw hits first.

    With ``period`` (one of ``PERIODS``) the chart, apps, platforms and countries
    cover that many days up to today; without, the chart covers up to ``CHART_DAYS``
    since the first episode and the lists all time.

    :raise NotFound: for an unknown show.
    """
    now = now or utcnow()
    show = get_show(slug)
    aggregate_downloads(now)
    episodes = published_episodes(show, now)
    ids = [e.id for e in episodes]
    totals = _episode_totals(ids)
    report = Report(
        title=show.title,
        total=sum(totals.values()),
        days=_series(ids, _chart_start(episodes, now), now.date()),
        episodes=[_summary(e, totals.get(e.id, 0), now) for e in episodes],
        apps=_top(DailyDownloads.app, ids),
        platforms=_top(DailyDownloads.platform, ids),
    )
    return _for_period(report, ids, now, period)


def _for_period(report: Report, ids: list[int], now: datetime, period: int | None) -> Report:
    """The report narrowed to the last ``period`` days, with the chart's bars."""
    if period is None:
        return report
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    start = now.date() - timedelta(days=period - 1)
    days = _series(ids, start, now.date())
    return replace(
        report,
        days=days,
        period=period,
        period_total=sum(n for _day, n in days),
        buckets=_by_month(days) if period > 90 else [Bucket(d, d, n) for d, n in days],
        apps=_top(DailyDownloads.app, ids, start),
        platforms=_top(DailyDownloads.platform, ids, start),
        countries=_countries(ids, start),
    )


def _by_month(days: list[tuple[date, int]]) -> list[Bucket]:
    """Daily counts summed per calendar month; the first and last may be partial."""
    buckets: list[Bucket] = []
    for day, downloads in days:
        if buckets and (buckets[-1].start.year, buckets[-1].start.month) == (day.year, day.month):
            last = buckets[-1]
            buckets[-1] = Bucket(last.start, day, last.downloads + downloads)
        else:
            buckets.append(Bucket(day, day, downloads))
    return buckets


def _countries(ids: list[int], start: date) -> list[tuple[str, int]]:
    """Downloads per country code since ``start``, most first; ``""`` is unknown."""
    rows = db.session.execute(
        select(DailyCountryDownloads.country, func.sum(DailyCountryDownloads.downloads))
        .where(DailyCountryDownloads.episode_id.in_(ids), DailyCountryDownloads.day >= start)
        .group_by(DailyCountryDownloads.country)
    )
    return Counter({code or "": int(total) for code, total in rows}).most_common(TOP)


def episode_report(
    show_slug: str, episode_slug: str, now: datetime | None = None, period: int | None = None
) -> Report:
    """One published episode's downloads since it came out.

    :raise NotFound: for an unknown show or episode.
    """
    now = now or utcnow()
    show = get_show(show_slug)
    episode = next((e for e in published_episodes(show, now) if e.slug == episode_slug), None)
    if episode is None:
        raise NotFound(gettext("There is no such published episode."))
    aggregate_downloads(now)
    total = _episode_totals([episode.id]).get(episode.id, 0)
    report = Report(
        title=episode.title,
        total=total,
        days=_series([episode.id], _chart_start([episode], now), now.date()),
        episodes=[_summary(episode, total, now)],
        apps=_top(DailyDownloads.app, [episode.id]),
        platforms=_top(DailyDownloads.platform, [episode.id]),
    )
    return _for_period(report, [episode.id], now, period)


def downloads_csv(slug: str, now: datetime | None = None) -> str:
    """Every daily count of the show, one row per day, episode, app and platform.

    :raise NotFound: for an unknown show.
    """
    show = get_show(slug)
    aggregate_downloads(now or utcnow())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["date", "episode_guid", "episode_slug", "episode_title", "app", "platform", "downloads"]
    )
    rows = db.session.execute(
        select(DailyDownloads, Episode)
        .join(Episode, Episode.id == DailyDownloads.episode_id)
        .where(Episode.show_id == show.id)
        .order_by(DailyDownloads.day, Episode.id, DailyDownloads.app, DailyDownloads.platform)
    )
    for count, episode in rows:
        writer.writerow(
            [
                count.day.isoformat(),
                episode.guid,
                episode.slug,
                episode.title,
                count.app or UNKNOWN,
                count.platform or UNKNOWN,
                count.downloads,
            ]
        )
    return out.getvalue()


def _episode_totals(ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(DailyDownloads.episode_id, func.sum(DailyDownloads.downloads))
        .where(DailyDownloads.episode_id.in_(ids))
        .group_by(DailyDownloads.episode_id)
    )
    return {episode_id: int(total) for episode_id, total in rows}


def _summary(episode: Episode, total: int, now: datetime) -> EpisodeSummary:
    return EpisodeSummary(
        episode=episode,
        total=total,
        first_7=_first_days(episode, 7, now),
        first_30=_first_days(episode, 30, now),
    )


def _first_days(episode: Episode, days: int, now: datetime) -> int | None:
    """Downloads in the episode's first ``days`` days, counting its publication day as day 1.

    None until those days are over, so a new episode is not compared on a
    shorter window than an old one.
    """
    first = episode.published_at.date()
    last = first + timedelta(days=days - 1)
    if last >= now.date():
        return None
    total = db.session.scalar(
        select(func.coalesce(func.sum(DailyDownloads.downloads), 0)).where(
            DailyDownloads.episode_id == episode.id,
            DailyDownloads.day >= first,
            DailyDownloads.day <= last,
        )
    )
    return int(total)


def _chart_start(episodes: list[Episode], now: datetime) -> date:
    """From the first publication, but no more than CHART_DAYS back."""
    earliest = min((e.published_at.date() for e in episodes), default=now.date())
    return max(earliest, now.date() - timedelta(days=CHART_DAYS - 1))


def _series(ids: list[int], start: date, end: date) -> list[tuple[date, int]]:
    """Downloads per day from ``start`` to ``end``, with the days without any as zero."""
    rows = db.session.execute(
        select(DailyDownloads.day, func.sum(DailyDownloads.downloads))
        .where(DailyDownloads.episode_id.in_(ids), DailyDownloads.day >= start)
        .group_by(DailyDownloads.day)
    )
    by_day = {day: int(total) for day, total in rows}
    length = (end - start).days + 1
    return [
        (start + timedelta(days=n), by_day.get(start + timedelta(days=n), 0)) for n in range(length)
    ]


def _top(column, ids: list[int], start: date | None = None) -> list[tuple[str, int]]:
    query = (
        select(column, func.sum(DailyDownloads.downloads))
        .where(DailyDownloads.episode_id.in_(ids))
        .group_by(column)
    )
    if start is not None:
        query = query.where(DailyDownloads.day >= start)
    rows = db.session.execute(query)
    counts = Counter({(name or UNKNOWN): int(total) for name, total in rows})
    return counts.most_common(TOP)
