"""Running an import the way the CLI does, and reading the resulting feed back."""

from __future__ import annotations

import io

import podcastparser

from app.services import imports


def run_import(app, url: str, **options):
    """Start an import of ``url`` and run its job to the end; returns the show's slug."""
    with app.app_context():
        job = imports.start_import(imports.fetch_feed_source(url), **options)
        slug, job_id = job.show.slug, job.id
        imports.run_pending("test-worker")
        return slug, job_id


def published_feed(app, slug: str) -> bytes:
    from app.services.feed import show_feed
    from app.services.shows import get_show

    with app.test_request_context():
        return show_feed(get_show(slug))


def parsed(feed: bytes, url: str = "http://podcasts.test/feed.xml") -> dict:
    return podcastparser.parse(url, io.BytesIO(feed))


def items_by_guid(feed: bytes) -> dict[str, dict]:
    return {episode["guid"]: episode for episode in parsed(feed)["episodes"]}


def job_items(app, job_id: int) -> list[tuple[str | None, str, str | None]]:
    from app.extensions import db
    from app.models import ImportJob

    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        return [(item.guid, item.state, item.message) for item in job.items]
