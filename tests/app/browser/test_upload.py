"""Uploading in Chromium: choose a file, watch it go up, resume it, publish it.

Unlike the other browser tests these run on both shapes: on the production
one the live server stores in SeaweedFS and the browser PUTs the parts
straight to it (presigned multipart, CORS); on the embedded one the parts go
to the app in Content-Range chunks.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
from pathlib import Path

import podcastparser
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Episode, PendingUpload
from app.services.hashes import hash_pending
from app.storage import current_storage
from media.synth import synthesize
from tests.app.browser.conftest import wait_for
from tests.app.conftest import PASSWORD
from tests.conftest import missing_service
from tests.support import audio
from tests.support import browser as support
from tests.support.browser import axe_violations, vnu_errors

PROGRESS = "document.querySelector('#upload-progress').value"
SUMMARY = "document.querySelector('[data-summary] .upload-summary')"


@pytest.fixture(params=["embedded", pytest.param("production", marks=pytest.mark.production)])
def backend(request) -> str:
    """Both shapes, unlike the other browser tests: here storage is what is under test."""
    return request.param


@pytest.fixture(scope="module")
def master(tmp_path_factory) -> Path:
    """About 17.6 MB: four 5 MiB parts on S3, seventy 256 KiB chunks on disk."""
    return synthesize(tmp_path_factory.mktemp("master") / "master.wav", "wav", 200.0)


@pytest.fixture
def studio_site(app, show, producer):
    app.config["UPLOAD_PART_BYTES"] = 5 * 1024 * 1024
    app.config["UPLOAD_CHUNK_BYTES"] = 256 * 1024
    with support.serve(app) as server:
        app.config["PUBLIC_BASE_URL"] = server.url
        yield server


def log_in(page, site, email: str) -> None:
    page.goto(site.url + "/studio/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/studio/")


def open_form(page, site, show: str) -> None:
    page.goto(f"{site.url}/studio/{show}/episodes/new")


def test_upload_prefills_publishes_and_reaches_the_feed(
    app, page, studio_site, show, producer, audio_dir
):
    log_in(page, studio_site, producer)
    open_form(page, studio_site, show)
    page.set_input_files("input[type=file]", str(audio_dir / "tagged.mp3"))
    wait_for(page, SUMMARY)
    assert page.evaluate(PROGRESS) == 100
    assert "100 %" in page.text_content("#upload-status")
    assert page.input_value("input[name=title]") == audio.TAGS["title"]
    assert page.input_value("textarea[name=description]") == audio.TAGS["comment"]
    assert page.text_content("[data-duration]").strip() == "0:03"
    assert page.locator("[data-chapters] li").count() == 3
    assert not page.is_visible("[data-resume]") and not page.is_visible("[data-cancel]")
    # The cover is cut from the stored audio on request; on S3 that takes a moment.
    wait_for(page, "document.querySelector('.upload-summary img.cover').complete")
    assert page.evaluate("document.querySelector('.upload-summary img.cover').naturalWidth") > 0

    page.click("button[name=publish][value=y]")
    page.wait_for_url(f"**/studio/{show}/")
    feed = app.test_client().get(f"/{show}/feed.xml")
    [item] = podcastparser.parse("x", io.BytesIO(feed.data))["episodes"]
    assert item["title"] == audio.TAGS["title"]
    with app.app_context():
        episode = db.session.scalar(select(Episode))
        assert episode.is_published() and len(episode.chapters) == 3
        assert episode.image is not None


def test_a_dropped_file_uploads(app, page, studio_site, show, producer, audio_dir):
    """Drag and drop: a real drop event carrying the file, as the browser would send it."""
    log_in(page, studio_site, producer)
    open_form(page, studio_site, show)
    data = base64.b64encode((audio_dir / "tagged.mp3").read_bytes()).decode()
    page.evaluate(
        """data => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "släppt.mp3", {type: "audio/mpeg"}));
            const zone = document.querySelector("[data-dropzone]");
            zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true,
                                                          cancelable: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true,
                                                      cancelable: true}));
        }""",
        data,
    )
    wait_for(page, SUMMARY)
    assert page.evaluate(PROGRESS) == 100
    assert "släppt.mp3" in page.text_content("[data-filename]")
    assert page.input_value("input[name=title]") == audio.TAGS["title"]


def test_interrupted_upload_resumes(app, page, studio_site, show, producer, master, backend):
    """A part fails mid-way and the browser goes offline; the upload finishes intact."""
    log_in(page, studio_site, producer)
    open_form(page, studio_site, show)
    puts = []

    def cut_one(route):
        if route.request.method != "PUT":
            route.continue_()
            return
        puts.append(route.request.url)
        if len(puts) == 3:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.context.route("**/*", cut_one)
    page.set_input_files("input[type=file]", str(master))
    wait_for(page, "document.querySelector('[data-resume]').hidden === false", timeout=30)
    assert page.is_visible("[data-resume]")
    offline = page.text_content("#upload-status")
    assert "Anslutningen bröts" in offline
    page.context.set_offline(True)
    time.sleep(1)
    assert page.evaluate(SUMMARY) is None
    page.context.set_offline(False)
    wait_for(page, SUMMARY, timeout=60)
    page.context.unroute("**/*")
    assert page.evaluate(PROGRESS) == 100

    expected = hashlib.sha256(master.read_bytes()).hexdigest()
    with app.app_context():
        hash_pending()  # the worker's job, for the upload straight to S3
        upload = db.session.scalar(select(PendingUpload))
        assert upload.sha256 == expected
        with current_storage().open(upload.storage_key) as stream:
            assert hashlib.sha256(stream.read()).hexdigest() == expected
    part_count = upload.size // (5 * 1024 * 1024 if backend == "production" else 256 * 1024) + 1
    assert len(puts) == part_count + 1  # every part once, and the one cut off again

    page.fill("input[name=title]", "Återupptaget")
    page.click("button[name=publish][value='']")
    page.wait_for_url(f"**/studio/{show}/")
    with app.app_context():
        assert db.session.scalar(select(Episode)).audio.sha256 == expected


def test_upload_resumes_after_a_reload(app, page, studio_site, show, producer, master, backend):
    """The page remembers the upload by the file; choosing it again sends only what is missing."""
    log_in(page, studio_site, producer)
    open_form(page, studio_site, show)
    puts = []

    def stop_after_two(route):
        if route.request.method == "PUT":
            puts.append(route.request.url)
            if len(puts) > 2:
                route.abort("internetdisconnected")
                return
        route.continue_()

    page.context.route("**/*", stop_after_two)
    page.set_input_files("input[type=file]", str(master))
    wait_for(page, "document.querySelector('[data-resume]').hidden === false", timeout=30)
    page.context.unroute("**/*")
    with app.app_context():
        upload = db.session.scalar(select(PendingUpload))
        token, size = upload.token, upload.size
    part = 5 * 1024 * 1024 if backend == "production" else 256 * 1024
    parts = -(-size // part)

    open_form(page, studio_site, show)  # a reload: the script starts afresh
    resent = []
    page.on("request", lambda request: request.method == "PUT" and resent.append(request.url))
    page.set_input_files("input[type=file]", str(master))
    wait_for(page, SUMMARY, timeout=60)
    assert "100 %" in page.text_content("#upload-status")
    assert parts - 2 <= len(resent) <= parts - 1  # a part in flight at the cut may go again
    with app.app_context():
        hash_pending()
        [upload] = db.session.scalars(select(PendingUpload)).all()
        assert upload.token == token
        assert upload.sha256 == hashlib.sha256(master.read_bytes()).hexdigest()


GAVE_UP = "document.querySelector('[data-retry]').hidden === false"


def fail_puts_after(count: int, failure):
    """A route handler letting ``count`` PUTs through and answering the rest with ``failure``;
    returns it and the list of every PUT seen."""
    puts: list[str] = []

    def handle(route):
        if route.request.method != "PUT":
            route.continue_()
            return
        puts.append(route.request.url)
        if len(puts) <= count:
            route.continue_()
        else:
            failure(route)

    return handle, puts


def server_error(route) -> None:
    """A 500 as a broken proxy or S3 sends it: no JSON, readable cross-origin."""
    route.fulfill(status=500, body="boom", headers={"Access-Control-Allow-Origin": "*"})


def test_persistent_server_errors_give_up_and_try_again_resumes(
    app, page, studio_site, show, producer, master, backend
):
    """Five failures in a row stop the retries with a message; "Försök igen" sends the rest."""
    page.clock.install()  # the pauses between tries grow to 16 s; the test skips them
    log_in(page, studio_site, producer)
    open_form(page, studio_site, show)
    handler, puts = fail_puts_after(2, server_error)
    page.context.route("**/*", handler)
    page.set_input_files("input[type=file]", str(master))
    wait_for(page, "document.querySelector('#upload-status').textContent.includes('försök 2 av 5')")
    assert not page.is_visible("[data-retry]")
    deadline = time.monotonic() + 30
    while not page.evaluate(GAVE_UP) and time.monotonic() < deadline:
        page.clock.fast_forward(4000)
        time.sleep(0.1)
    assert page.evaluate(GAVE_UP)
    error = page.text_content("[data-upload-error]")
    assert "servern misslyckades 5 gånger i rad" in error and "Försök igen" in error
    assert page.get_attribute("[data-upload-error]", "role") == "alert"
    refused = len(puts) - 2
    assert refused >= 5
    page.clock.fast_forward(600_000)  # given up means given up: no more tries by itself
    time.sleep(0.5)
    assert len(puts) - 2 == refused
    assert page.evaluate(SUMMARY) is None

    page.context.unroute("**/*")
    resent = []
    page.on("request", lambda request: request.method == "PUT" and resent.append(request.url))
    page.click("[data-retry]")
    wait_for(page, SUMMARY, timeout=60)
    assert page.evaluate(PROGRESS) == 100
    assert page.text_content("[data-upload-error]").strip() == ""
    assert not page.is_visible("[data-retry]")
    parts = -(
        -master.stat().st_size // (5 * 1024 * 1024 if backend == "production" else 256 * 1024)
    )
    assert len(resent) == parts - 2  # the two parts stored before the failures are not sent again
    with app.app_context():
        upload = db.session.scalar(select(PendingUpload))
        with current_storage().open(upload.storage_key) as stream:
            assert stream.read() == master.read_bytes()


def test_a_lost_connection_is_waited_out_not_counted(
    app, page, studio_site, show, producer, master
):
    """Offline for ten minutes: no giving up; back online, the upload finishes."""
    page.clock.install()
    log_in(page, studio_site, producer)
    open_form(page, studio_site, show)
    handler, puts = fail_puts_after(2, lambda route: route.abort("internetdisconnected"))
    page.context.route("**/*", handler)
    page.set_input_files("input[type=file]", str(master))
    wait_for(page, "document.querySelector('[data-resume]').hidden === false", timeout=30)
    assert "Anslutningen bröts" in page.text_content("#upload-status")
    for _ in range(20):  # dropped connections while the browser thinks it is online
        page.clock.fast_forward(3000)
        time.sleep(0.05)
    assert len(puts) > 7 and not page.evaluate(GAVE_UP)
    page.context.set_offline(True)
    page.clock.fast_forward(3000)
    for _ in range(10):
        page.clock.fast_forward(60_000)
        time.sleep(0.05)
    assert not page.evaluate(GAVE_UP) and page.evaluate(SUMMARY) is None
    assert "Anslutningen bröts" in page.text_content("#upload-status")
    page.context.unroute("**/*")
    page.context.set_offline(False)
    wait_for(page, SUMMARY, timeout=60)
    assert page.evaluate(PROGRESS) == 100
    assert page.text_content("[data-upload-error]").strip() == ""


def test_refused_file_is_explained_in_swedish(app, page, studio_site, show, producer, tmp_path):
    log_in(page, studio_site, producer)
    open_form(page, studio_site, show)
    page.set_input_files("input[type=file]", str(audio.not_audio(tmp_path / "anteckningar.mp3")))
    wait_for(page, "document.querySelector('[data-upload-error]').textContent.trim()")
    assert "inte en ljudfil" in page.text_content("[data-upload-error]")
    with app.app_context():
        assert db.session.scalar(select(PendingUpload)) is None


def test_declared_size_is_checked_before_sending(app, page, studio_site, show, producer, master):
    app.config["MAX_UPLOAD_BYTES"] = 1024 * 1024
    log_in(page, studio_site, producer)
    open_form(page, studio_site, show)
    page.set_input_files("input[type=file]", str(master))
    wait_for(page, "document.querySelector('[data-upload-error]').textContent.trim()")
    assert "större än gränsen" in page.text_content("[data-upload-error]")
    with app.app_context():
        assert db.session.scalar(select(PendingUpload)) is None


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_upload_page_has_no_axe_violations(page, studio_site, show, producer, audio_dir, scheme):
    page.emulate_media(color_scheme=scheme)
    log_in(page, studio_site, producer)
    open_form(page, studio_site, show)
    assert axe_violations(page) == []
    page.set_input_files("input[type=file]", str(audio_dir / "tagged.mp3"))
    wait_for(page, SUMMARY)
    assert axe_violations(page) == []


def test_upload_page_is_valid_html(app, studio, show, audio_dir, tmp_path):
    """The empty form, and the form kept after a failed save with its upload shown."""
    from tests.app.studio.test_upload_api import Uploader

    uploader = Uploader(studio, show)
    answer = uploader.upload(audio_dir / "tagged.mp3").get_json()
    pages = [
        studio.get(f"/studio/{show}/episodes/new").data,
        uploader.save(answer["id"], title="").data,
    ]
    files = []
    for number, body in enumerate(pages):
        files.append(tmp_path / f"upload-{number}.html")
        files[-1].write_bytes(body)
    try:
        errors = vnu_errors(files)
    except FileNotFoundError as exc:
        missing_service(str(exc))
    assert errors == []
