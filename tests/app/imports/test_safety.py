"""Hostile feeds: entity bombs, external entities, redirects inland, huge and fake enclosures."""

from __future__ import annotations

import pytest

from app.services import imports
from app.services.errors import InvalidInput
from tests.app.conftest import row_counts, stored_keys
from tests.app.imports.helpers import job_items, progress_notes, published_feed, run_import
from tests.app.imports.source import SourceServer, episodes, libsyn_feed, serve_audio

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><description>&lol9;</description>
<item><title>&lol9;</title><guid>x</guid></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>
<title>Stolen &xxe;</title><description>&xxe;</description>
<itunes:owner><itunes:email>x@example.org</itunes:email></itunes:owner>
</channel></rss>"""


def libsyn_enclosure(server, item) -> str:
    """The enclosure URL the feed gives: Libsyn's, which redirects to the file."""
    return server.url(f"/traffic/secure/{item.audio_path.rsplit('/', 1)[1]}?dest-id=12345")


def everything_stored(app) -> str:
    """Every text the database holds about shows and episodes, for leak checks."""
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        rows = []
        for table in ("shows", "episodes", "import_jobs", "import_items"):
            rows += [str(tuple(r)) for r in db.session.execute(text(f"SELECT * FROM {table}"))]
        return "\n".join(rows)


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_feeds_declaring_entities_are_refused_and_leave_nothing(app, source, document):
    url = source.file("/evil.rss", document, "application/rss+xml")
    with app.app_context(), pytest.raises(InvalidInput, match="entities") as refused:
        imports.start_import(imports.fetch_feed_source(url), owner_email="a@example.org")
    assert "root:" not in refused.value.message
    assert row_counts(app) == {key: 0 for key in row_counts(app)}
    assert stored_keys(app) == []
    assert "root:" not in everything_stored(app)


def test_entity_feed_through_the_studio_is_a_clear_error_not_a_500(app, source):
    from tests.app.imports.test_studio import admin_client, post_form

    url = source.file("/evil.rss", XXE, "application/rss+xml")
    client = admin_client(app)
    response = post_form(client, "/studio/import", url=url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "entities" in page and "root:" not in page


def test_a_feed_url_redirecting_to_loopback_is_refused(app, source):
    """The redirector on 127.0.0.2 is allowed; where it sends us (127.0.0.1) is not."""
    outside = SourceServer(host="127.0.0.2").start()
    try:
        source.file("/feed.rss", b"<rss/>", "application/rss+xml")
        url = outside.redirect("/moved.rss", source.url("/feed.rss"))
        app.config["IMPORT_ALLOWED_HOSTS"] = ("127.0.0.2",)
        with app.app_context(), pytest.raises(InvalidInput, match="private or local address"):
            imports.start_import(imports.fetch_feed_source(url), owner_email="a@example.org")
        assert source.requests == []  # not even one request reached the inside
        assert row_counts(app)["shows"] == 0
    finally:
        outside.stop()


def test_an_enclosure_redirecting_inland_skips_only_that_episode(app, source, artwork, audio_dir):
    outside = SourceServer(host="127.0.0.2").start()
    try:
        items = episodes(audio_dir / "tone.mp3", 2)
        for item in items:
            outside.file(item.audio_path, item.audio.read_bytes(), "audio/mpeg")
        feed = libsyn_feed(outside, items, outside.file("/a.png", b"", "image/png"))
        # The first episode's audio "moved" to the metadata service address.
        outside.redirect(items[0].audio_path, "http://169.254.169.254/latest/meta-data/")
        url = outside.file("/rss", feed, "application/rss+xml")
        app.config["IMPORT_ALLOWED_HOSTS"] = ("127.0.0.2",)
        slug, job_id = run_import(app, url)
        states = job_items(app, job_id)
        assert [s for _, s, _ in states] == ["skipped", "done"]
        assert "private or local address (169.254.169.254)" in states[0][2]
        enclosure = libsyn_enclosure(outside, items[0])  # the feed's, which redirects
        swedish, english = progress_notes(app, slug), progress_notes(app, slug, "en")
        assert swedish["items"][0] == (
            None,
            f"{enclosure} leder till en privat eller lokal adress, så den hämtas inte. "
            "En administratör kan tillåta värden med IMPORT_ALLOWED_HOSTS.",
        )
        assert english["items"][0] == (
            None,
            f"{enclosure} leads to a private or local address, so it is not fetched. "
            "An admin can allow the host with IMPORT_ALLOWED_HOSTS.",
        )
        # The show's artwork was an empty file: the show keeps the placeholder.
        assert swedish["job"] == (
            None,
            "Podden har en platshållare som omslagsbild: Poddens omslagsbild är ingen JPEG- "
            "eller PNG-bild. Ladda upp den riktiga omslagsbilden under Inställningar.",
        )
        assert english["job"] == (
            None,
            "The show has a placeholder as its artwork: The show’s artwork is not a JPEG or "
            "PNG image. Upload the real artwork under Settings.",
        )
        assert b"ep-guid-2" in published_feed(app, slug)
        assert len([k for k in stored_keys(app) if k.endswith(".mp3")]) == 1
    finally:
        outside.stop()


def serve_endless(handler, *, declare: int | None) -> None:
    """Audio headers, then bytes until the client hangs up (2 GB at most)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "audio/mpeg")
    if declare is not None:
        handler.send_header("Content-Length", str(declare))
    handler.send_header("Connection", "close")
    handler.end_headers()
    chunk = b"\xff\xfb\x90\x00" * 16384
    sent = 0
    try:
        while sent < 2 * 1024**3:
            handler.wfile.write(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    handler.server_sent = sent
    handler.close_connection = True


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "no-length"])
def test_a_2_gb_enclosure_is_refused_without_downloading_it(
    app, source, artwork, audio_dir, declared
):
    items = episodes(audio_dir / "tone.mp3", 2)
    serve_audio(source, items)
    sent = {}

    def huge(handler):
        serve_endless(handler, declare=2 * 1024**3 if declared else None)
        sent["bytes"] = handler.server_sent

    source.routes[items[0].audio_path] = huge
    # The case: a 2 GB enclosure where the limit is 1 GB (the default follows
    # MAX_UPLOAD_BYTES); without a declared length a small limit keeps the test quick.
    app.config["IMPORT_MAX_FILE_BYTES"] = 1024**3 if declared else 1024**2
    feed = libsyn_feed(source, items, artwork)
    slug, job_id = run_import(app, source.file("/rss", feed, "application/rss+xml"))

    states = job_items(app, job_id)
    assert [s for _, s, _ in states] == ["skipped", "done"]
    assert "larger than the limit of" in states[0][2]
    assert ("1 GiB" in states[0][2]) is declared
    enclosure = libsyn_enclosure(source, items[0])
    swedish, english = ("1,1 GB", "1.1 GB") if declared else ("1 MB", "1 MB")
    assert progress_notes(app, slug)["items"][0] == (
        None,
        f"{enclosure} är större än gränsen på {swedish}.",
    )
    assert progress_notes(app, slug, "en")["items"][0] == (
        None,
        f"{enclosure} is larger than the limit of {english}.",
    )
    # Refused early: a few socket buffers at most, never the whole file.
    assert sent["bytes"] < 64 * 1024**2
    assert len([k for k in stored_keys(app) if k.endswith(".mp3")]) == 1


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "audio/mpeg"])
def test_an_enclosure_that_is_html_is_refused_for_that_episode(
    app, source, artwork, audio_dir, content_type
):
    items = episodes(audio_dir / "tone.mp3", 2)
    serve_audio(source, items)
    page = b"<!DOCTYPE html><html><body><h1>Log in to continue</h1></body></html>" * 50
    source.file(items[1].audio_path, page, content_type)
    feed = libsyn_feed(source, items, artwork)

    slug, job_id = run_import(app, source.file("/rss", feed, "application/rss+xml"))

    states = job_items(app, job_id)
    assert [s for _, s, _ in states] == ["done", "skipped"]
    assert "not audio" in states[1][2]
    swedish, english = progress_notes(app, slug), progress_notes(app, slug, "en")
    if content_type.startswith("text/html"):  # the host said what it is
        assert swedish["items"][1] == (
            None,
            "Ljudadressen leder till ett text/html-dokument, inte till ljud "
            "(en webbsida där filen borde vara).",
        )
        assert english["items"][1] == (
            None,
            "The audio address leads to a text/html document, not to audio "
            "(a web page where the file should be).",
        )
    else:  # the probe found out, in the words of the upload form
        formats = "MP3, M4A (AAC), Opus, Ogg Vorbis, FLAC, WAV"
        assert swedish["items"][1] == (
            None,
            "Ljudfilen kan inte publiceras: Det här är inte en ljudfil som vi känner igen. "
            f"Ladda upp en ljudfil i något av formaten {formats}.",
        )
        assert english["items"][1] == (
            None,
            "The audio file cannot be published: This is not an audio file we can recognise. "
            f"Please upload a sound file in one of these formats: {formats}.",
        )

    keys = stored_keys(app)
    assert len([k for k in keys if k.endswith(".mp3")]) == 1
    assert row_counts(app)["stored_files"] == len(keys)  # nothing orphaned in storage
