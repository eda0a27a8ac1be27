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


ADMIN = "import-admin@example.org"


def progress_notes(app, slug: str, language: str | None = None) -> dict:
    """The notes on the studio's progress page: the job's, and each item's Note cell.

    Each note is ``(lang, text)``: ``lang`` is "en" where the page marks stored
    English text. Without ``language`` the browser asks for none, so the studio
    speaks its default, Swedish.
    """
    import re
    from html import unescape

    from sqlalchemy import select

    from app.extensions import db
    from app.models import User
    from app.services.users import create_user
    from tests.app.conftest import PASSWORD, log_in

    with app.app_context():
        if db.session.scalar(select(User).where(User.email == ADMIN)) is None:
            create_user(ADMIN, PASSWORD, is_admin=True)
    client = app.test_client()
    assert log_in(client, ADMIN).status_code == 302
    headers = {"Accept-Language": language} if language else {}
    response = client.get(f"/studio/{slug}/import", headers=headers)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    job = re.search(r"</progress>\s*<p(?: lang=\"(\w+)\")?>(.*?)</p>", page, re.S)
    cells = re.findall(
        r'<tr><td data-label="[^"]*" lang=[^>]*>.*?</td><td data-label="[^"]*">.*?</td>'
        r'<td data-label="[^"]*"(?: lang="(\w+)")?>(.*?)</td>',
        page,
        re.S,
    )
    return {
        "job": (job.group(1), unescape(job.group(2))) if job else None,
        "items": [(lang or None, unescape(text)) for lang, text in cells],
    }
