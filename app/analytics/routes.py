"""Studio statistics under ``/studio/<show>/analytics``, and the public privacy page."""

from __future__ import annotations

from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from app.analytics.chart import Chart, Point, bar_chart
from app.models import Show
from app.services import analytics, analytics_reports
from app.services.errors import InvalidInput
from app.studio.access import studio_show
from app.urls import site_embed_target

bp = Blueprint("analytics", __name__)

PRIVACY_LANGUAGES = ("sv", "en")


NARROW, WIDE = 320, 720  # the chart's widths for phones and for wider screens


def _period() -> int:
    """The chosen period in days; anything else is the default."""
    raw = request.args.get("days", "")
    return (
        int(raw)
        if raw.isdigit() and int(raw) in analytics_reports.PERIODS
        else (analytics_reports.DEFAULT_PERIOD)
    )


def _points(report: analytics_reports.Report) -> list[Point]:
    """The report's bars with their dates in the reader's language."""
    locale = get_locale()
    points = []
    for bucket in report.buckets:
        if bucket.start == bucket.end:
            short = format_skeleton("MMMd", bucket.start, locale=locale)
            long = format_date(bucket.start, "long", locale=locale)
        else:  # a month: its year only where a year begins, and on the first bar
            with_year = bucket.start.month == 1 or not points
            short = format_skeleton("yyMMM" if with_year else "MMM", bucket.start, locale=locale)
            long = format_skeleton("yMMMM", bucket.start, locale=locale)
        points.append(Point(short, long, bucket.downloads))
    return points


def _charts(report: analytics_reports.Report) -> dict[str, Chart]:
    points = _points(report)

    def number(value: int) -> str:
        return format_decimal(value, locale=get_locale())

    return {
        "narrow": bar_chart(points, NARROW, number),
        "wide": bar_chart(points, WIDE, number),
    }


def _country_rows(rows: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Country codes as the reader's names for them (Babel's CLDR territory names)."""
    from babel import Locale

    names = Locale.parse(str(get_locale())).territories
    return [(names.get(code, code) if code else _("Unknown"), n) for code, n in rows]


def _agent_rows(rows: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return [(_("Unknown") if name == analytics_reports.UNKNOWN else name, n) for name, n in rows]


def _report_page(template: str, show: Show, report, **extra):
    """A statistics page: the report, its charts and its tables by app, platform and country."""
    return render_template(
        template,
        show=show,
        report=report,
        charts=_charts(report),
        periods=analytics_reports.PERIODS,
        apps=_agent_rows(report.apps),
        platforms=_agent_rows(report.platforms),
        countries=_country_rows(report.countries),
        **extra,
    )


def _show_page(show: Show, **extra):
    report = analytics_reports.show_report(show.slug, period=_period())
    return _report_page("analytics/show.html", show, report, **extra)


@bp.get("/studio/<show_slug>/analytics")
@login_required
def show(show_slug: str):
    """The show's downloads over ``?days=`` 1, 7, 30 or 365 days.

    :raise 404: for an unknown show or one the user is no member of.
    """
    return _show_page(studio_show(show_slug))


@bp.get("/studio/<show_slug>/analytics/downloads.csv")
@login_required
def csv_export(show_slug: str):
    """:raise 404: for an unknown show or one the user is no member of."""
    studio_show(show_slug)
    body = analytics_reports.downloads_csv(show_slug)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{show_slug}-downloads.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/studio/<show_slug>/analytics/episodes/<episode_slug>")
@login_required
def episode(show_slug: str, episode_slug: str):
    """:raise 404: for an unknown show, or an episode that is unknown or not yet public."""
    show = studio_show(show_slug)
    report = analytics_reports.episode_report(show_slug, episode_slug, period=_period())
    return _report_page("analytics/episode.html", show, report, episode_slug=episode_slug)


@bp.post("/studio/<show_slug>/analytics/prefix")
@login_required
def prefix(show_slug: str):
    """Set or clear the analytics prefix; a refused value re-renders the page with why.

    :raise 404: for an unknown show or one the user is no member of.
    :raise 403: for authors: the prefix changes every enclosure URL, like publishing does.
    """
    show = studio_show(show_slug, "editor")
    try:
        value = analytics.set_analytics_prefix(show_slug, request.form.get("prefix", ""))
    except InvalidInput as exc:
        page = _show_page(
            show, prefix_error=exc.message, prefix_value=request.form.get("prefix", "")
        )
        return page, exc.status
    flash(
        _("Episode addresses in the feed now start with %(prefix)s.", prefix=value)
        if value
        else _("The statistics prefix is removed.")
    )
    return redirect(url_for("analytics.show", show_slug=show_slug))


@bp.get("/privacy")
def privacy():
    """What is counted and kept, in Swedish (the default) or English (``?lang=en``)."""
    lang = request.args.get("lang", "sv")
    if lang not in PRIVACY_LANGUAGES:
        lang = "sv"
    return render_template(
        f"analytics/privacy_{lang}.html", page_lang=lang, embed_target=site_embed_target()
    )


@bp.app_template_filter("stat_number")
def stat_number(value: int) -> str:
    """A count in the reader's language: ``1 234`` in Swedish, ``1,234`` in English."""
    return format_decimal(value, locale=get_locale())
