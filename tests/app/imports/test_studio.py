"""The studio's import, progress, lock and export pages, and who may use them."""

from __future__ import annotations

import io
import time
import zipfile

from tests.app.conftest import PASSWORD, csrf_token, log_in, row_counts
from tests.app.imports.source import episodes, libsyn_feed, serve_audio


def admin_client(app):
    from app.services.users import create_user

    with app.app_context():
        create_user("admin@example.org", PASSWORD, is_admin=True)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the studio's default is Swedish
    assert log_in(client, "admin@example.org").status_code == 302
    return client


def post_form(client, target: str, page: str | None = None, **data):
    data = {"csrf_token": csrf_token(client, page or target), **data}
    return client.post(target, data=data, content_type="multipart/form-data")


def libsyn_source(source, artwork, audio_dir, count: int = 2) -> tuple[str, bytes]:
    items = episodes(audio_dir / "tone.mp3", count)
    serve_audio(source, items)
    feed = libsyn_feed(source, items, artwork)
    return source.file("/rss", feed, "application/rss+xml"), feed


def test_an_instance_admin_imports_in_the_background_and_sees_progress(
    app, source, artwork, audio_dir
):
    """A consumer of the real queue runs the job; the page polls until it is done."""
    from app.jobs.consumer import start_in_process

    url, _ = libsyn_source(source, artwork, audio_dir)
    client = admin_client(app)
    response = post_form(client, "/studio/import", url=url, slug="stadsdel")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/studio/stadsdel/import")
    queued = client.get("/studio/stadsdel/import").get_data(as_text=True)
    assert 'http-equiv="refresh"' in queued  # waiting in the queue: nobody consumes yet
    consumer = start_in_process(app)
    try:
        deadline = time.monotonic() + 60
        while True:
            page = client.get("/studio/stadsdel/import").get_data(as_text=True)
            if "Finished: 2 episodes imported, 0 skipped." in page:
                break
            assert time.monotonic() < deadline, page
            assert 'http-equiv="refresh"' in page
            time.sleep(0.2)
    finally:
        consumer.stop(graceful=True)
    assert 'http-equiv="refresh"' not in page
    assert "<code>http://podcasts.test/stadsdel/feed.xml</code>" in page
    assert "itunes:new-feed-url" in page and "301" in page


def test_upload_of_a_feed_file_and_a_locked_feed_needs_the_owner(app, source, artwork, audio_dir):
    _, feed = libsyn_source(source, artwork, audio_dir)
    locked = feed.replace(
        b"<itunes:type>", b'<podcast:locked owner="podd@malmo.se">yes</podcast:locked><itunes:type>'
    )
    client = admin_client(app)
    refused = post_form(client, "/studio/import", feed_file=(io.BytesIO(locked), "feed.xml"))
    assert refused.status_code == 422
    assert "locked" in refused.get_data(as_text=True)
    assert row_counts(app)["shows"] == 0
    accepted = post_form(
        client, "/studio/import", feed_file=(io.BytesIO(locked), "feed.xml"), owner_confirmed="y"
    )
    assert accepted.status_code == 302
    assert row_counts(app)["shows"] == 1


def test_bad_input_is_a_clear_error(app, source):
    client = admin_client(app)
    nothing = post_form(client, "/studio/import")
    assert nothing.status_code == 422
    assert "feed" in nothing.get_data(as_text=True)
    missing = post_form(client, "/studio/import", url=source.url("/nope.rss"))
    assert missing.status_code == 422
    assert "HTTP 404" in missing.get_data(as_text=True)
    not_xml = post_form(client, "/studio/import", feed_file=(io.BytesIO(b"<html>"), "f.xml"))
    assert not_xml.status_code == 422
    assert row_counts(app)["shows"] == 0


def test_roles_creating_needs_an_instance_admin_moving_needs_the_show_admin(app, studio, show):
    """The ``studio`` fixture is an editor of ``show``: neither action is theirs."""
    assert studio.get("/studio/import").status_code == 403
    assert studio.get(f"/studio/{show}/import").status_code == 403
    token = csrf_token(studio, f"/studio/{show}/")
    assert studio.post(f"/studio/{show}/export", data={"csrf_token": token}).status_code == 403
    assert studio.get("/studio/someone-elses/import").status_code == 404


def test_lock_and_export_from_the_studio(app, source, artwork, audio_dir):
    from tests.app.imports.helpers import published_feed

    url, _ = libsyn_source(source, artwork, audio_dir)
    client = admin_client(app)
    post_form(client, "/studio/import", url=url, slug="stadsdel")
    from app.services import imports

    with app.app_context():
        imports.run_pending("test")
    page = "/studio/stadsdel/import"
    response = post_form(client, "/studio/stadsdel/import/lock", page=page, locked="y")
    assert response.status_code == 302
    assert b'<podcast:locked owner="podd@malmo.se">yes</podcast:locked>' in published_feed(
        app, "stadsdel"
    )
    archive = post_form(client, "/studio/stadsdel/export", page=page)
    assert archive.status_code == 200
    assert archive.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.data)) as opened:
        assert "feed.xml" in opened.namelist() and "manifest.json" in opened.namelist()
        assert len([n for n in opened.namelist() if n.endswith(".mp3")]) == 2
    archive.close()  # what the WSGI server does: it closes the temporary file


def test_importing_a_show_that_is_already_here_makes_no_empty_copy(app, source, artwork, audio_dir):
    """Every episode's GUID is taken: the second import is refused, naming the show."""
    from tests.app.imports.helpers import run_import

    url, _ = libsyn_source(source, artwork, audio_dir)
    run_import(app, url, slug="stadsdel", owner_email="podd@example.org")
    client = admin_client(app)
    before = row_counts(app)
    again = post_form(client, "/studio/import", url=url, slug="stadsdel-igen")
    page = again.get_data(as_text=True)
    assert again.status_code == 422
    assert "Every episode of this feed is already in the show" in page
    assert 'id="url-error"' in page
    assert row_counts(app) == before
