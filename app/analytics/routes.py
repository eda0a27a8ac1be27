"""Studio statistics under ``/studio/<show>/analytics``, and the public privacy page."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.analytics.chart import bar_chart
from app.services import analytics, analytics_reports, shows
from app.services.errors import InvalidInput
from app.studio.access import studio_show
from app.urls import site_embed_target

bp = Blueprint("analytics", __name__)

PRIVACY_LANGUAGES = ("sv", "en")


@bp.get("/studio/<show_slug>/analytics")
@login_required
def show(show_slug: str):
    """:raise 404: for an unknown show or one the user is no member of."""
    studio_show(show_slug)
    report = analytics_reports.show_report(show_slug)
    return render_template(
        "analytics/show.html",
        show=shows.get_show(show_slug),
        report=report,
        chart=bar_chart(report.days),
    )


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
    studio_show(show_slug)
    report = analytics_reports.episode_report(show_slug, episode_slug)
    return render_template(
        "analytics/episode.html",
        show=shows.get_show(show_slug),
        report=report,
        chart=bar_chart(report.days),
    )


@bp.post("/studio/<show_slug>/analytics/prefix")
@login_required
def prefix(show_slug: str):
    """Set or clear the analytics prefix; a refused value re-renders the page with why.

    :raise 404: for an unknown show or one the user is no member of.
    :raise 403: for authors: the prefix changes every enclosure URL, like publishing does.
    """
    studio_show(show_slug, "editor")
    try:
        value = analytics.set_analytics_prefix(show_slug, request.form.get("prefix", ""))
    except InvalidInput as exc:
        report = analytics_reports.show_report(show_slug)
        page = render_template(
            "analytics/show.html",
            show=shows.get_show(show_slug),
            report=report,
            chart=bar_chart(report.days),
            prefix_error=exc.message,
            prefix_value=request.form.get("prefix", ""),
        )
        return page, exc.status
    flash(
        f"Enclosure URLs now start with {value}." if value else "The analytics prefix is removed."
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
