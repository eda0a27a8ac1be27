"""The upload API the new-episode page's script uses, driven as the script drives it.

On the production shape the parts go to SeaweedFS through presigned URLs
(real HTTP PUTs); on the embedded one they go to the app as Content-Range
chunks. Either way: resumable, probed, refused files leave nothing behind.
"""

from __future__ import annotations

import hashlib
import io
import json
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import podcastparser
import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Chapter, Episode, PendingUpload, StoredFile, utcnow
from app.services.hashes import hash_pending
from app.storage import current_storage
from media.storage import LocalStorage, S3Storage
from media.synth import synthesize
from tests.app.conftest import csrf_token, log_in, row_counts, stored_keys
from tests.support import audio

SMALL_PART = 5 * 1024 * 1024  # S3's smallest part
SMALL_CHUNK = 256 * 1024


@pytest.fixture
def small_parts(app):
    """Parts small enough that a ten-megabyte file has several."""
    app.config["UPLOAD_PART_BYTES"] = SMALL_PART
    app.config["UPLOAD_CHUNK_BYTES"] = SMALL_CHUNK


@pytest.fixture(scope="module")
def big_wav(tmp_path_factory) -> Path:
    """About 17.6 MB of real audio (mono): four S3 parts of 5 MiB, many chunks."""
    return synthesize(tmp_path_factory.mktemp("big") / "master.wav", "wav", 200.0)


class Uploader:
    """What app/static/studio/upload.js does, in Python."""

    def __init__(self, client, show: str) -> None:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the messages asserted are English
        self.client = client
        self.show = show
        self.token = csrf_token(client, f"/studio/{show}/episodes/new")
        self.headers = {"X-CSRFToken": self.token, "Accept": "application/json"}

    def start(self, path: Path, size: int | None = None, name: str | None = None):
        body = {
            "filename": name or path.name,
            "size": path.stat().st_size if size is None else size,
        }
        return self.client.post(f"/studio/{self.show}/uploads", json=body, headers=self.headers)

    def status(self, info: dict) -> dict:
        response = self.client.get(info["url"], headers=self.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def send(self, info: dict, data: bytes, only: list[int] | None = None) -> None:
        """Send parts (S3) or chunks (disk); ``only`` limits to those part numbers."""
        size = info["part_size"]
        for number in range(1, info["part_count"] + 1):
            if only is not None and number not in only:
                continue
            piece = data[(number - 1) * size : number * size]
            if info["mode"] == "s3":
                self.put_part(info, number, piece)
            else:
                start = (number - 1) * size
                response = self.put_chunk(info, start, piece, len(data))
                assert response.status_code == 200, response.get_json()

    def put_part(self, info: dict, number: int, piece: bytes) -> None:
        signed = self.client.post(
            info["url"] + "/parts", json={"parts": [number]}, headers=self.headers
        )
        assert signed.status_code == 200, signed.get_json()
        url = signed.get_json()["urls"][str(number)]
        request = urllib.request.Request(url, data=piece, method="PUT")
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200

    def put_chunk(self, info: dict, start: int, piece: bytes, total: int):
        headers = {
            **self.headers,
            "Content-Range": f"bytes {start}-{start + len(piece) - 1}/{total}",
            "Content-Type": "application/octet-stream",
        }
        return self.client.put(info["url"], data=piece, headers=headers)

    def complete(self, info: dict):
        return self.client.post(info["url"] + "/complete", headers=self.headers)

    def upload(self, path: Path):
        """The whole round: start, send everything, complete."""
        started = self.start(path)
        assert started.status_code == 201, started.get_json()
        info = started.get_json()
        self.send(info, path.read_bytes())
        return self.complete(info)

    def save(self, upload_id: str, **fields):
        data = {"csrf_token": self.token, "upload": upload_id, **fields}
        return self.client.post(f"/studio/{self.show}/episodes/new", data=data)


@pytest.fixture
def uploader(studio, show) -> Uploader:
    return Uploader(studio, show)


def leftovers(app) -> list[str]:
    """Unfinished uploads storage still holds: multipart uploads or partial files."""
    with app.app_context():
        storage = current_storage()
        if isinstance(storage, S3Storage):
            return [u.upload_id for u in storage.unfinished_multipart()]
        assert isinstance(storage, LocalStorage)
        return storage.partials.list_ids()


def test_mode_follows_storage(app, uploader, audio_dir, backend):
    info = uploader.start(audio_dir / "tone.mp3").get_json()
    assert info["mode"] == ("s3" if backend == "production" else "chunked")
    assert info["received"] == 0 and info["parts"] == [] and info["state"] == "receiving"


def test_tagged_upload_prefills_and_becomes_episode(app, uploader, show, audio_dir):
    done = uploader.upload(audio_dir / "tagged.mp3")
    assert done.status_code == 200, done.get_json()
    answer = done.get_json()
    probe = answer["probe"]
    assert probe["title"] == audio.TAGS["title"]
    assert probe["description"] == audio.TAGS["comment"]
    assert probe["has_cover"] is True
    assert [c["title"] for c in probe["chapters"]] == [c[2] for c in audio.CHAPTERS]
    assert abs(probe["duration"] - 3.0) < 0.1
    assert "0:03" in answer["summary_html"] and "The middle part" in answer["summary_html"]
    cover = uploader.client.get(answer["url"] + "/cover")
    assert cover.status_code == 200 and cover.mimetype.startswith("image/")

    saved = uploader.save(
        answer["id"],
        title=probe["title"],
        description="Om taggar",
        publish="y",
        use_cover="y",
        use_chapters="y",
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        episode = db.session.scalar(select(Episode))
        assert episode.published_at is not None
        assert episode.image is not None and episode.image.mime_type.startswith("image/")
        chapters = db.session.scalars(select(Chapter).order_by(Chapter.start_seconds)).all()
        assert [(c.start_seconds, c.title, c.url) for c in chapters] == [
            (start, title, url) for start, _end, title, url in audio.CHAPTERS
        ]
        assert db.session.scalar(select(PendingUpload)) is None
        hash_pending()  # the worker's job: an S3 upload's hash is left to it
        assert (
            db.session.get(Episode, episode.id).audio.sha256
            == hashlib.sha256((audio_dir / "tagged.mp3").read_bytes()).hexdigest()
        )
    feed = uploader.client.get(f"/{show}/feed.xml")
    [item] = podcastparser.parse("x", io.BytesIO(feed.data))["episodes"]
    assert item["title"] == audio.TAGS["title"]
    [enclosure] = item["enclosures"]
    media = uploader.client.get(enclosure["url"].replace("http://podcasts.test", ""))
    assert media.data == (audio_dir / "tagged.mp3").read_bytes()


def test_without_cover_and_chapters_when_unticked(app, uploader, audio_dir):
    answer = uploader.upload(audio_dir / "tagged.mp3").get_json()
    keys_before = stored_keys(app)
    assert uploader.save(answer["id"], title="Utan", publish="").status_code == 302
    with app.app_context():
        episode = db.session.scalar(select(Episode))
        assert episode.image is None and episode.chapters == []
        assert episode.published_at is None
    assert stored_keys(app) == keys_before  # no cover object was stored


def test_resume_sends_only_missing_parts(app, uploader, big_wav, small_parts, backend):
    data = big_wav.read_bytes()
    info = uploader.start(big_wav).get_json()
    assert info["part_count"] >= 3
    uploader.send(info, data, only=[1])
    early = uploader.complete(info)
    assert early.status_code == 409  # parts missing: a pause, not a refusal

    status = uploader.status(info)
    if backend == "production":
        assert status["parts"] == [1]
    assert status["received"] == info["part_size"]
    missing = [n for n in range(1, info["part_count"] + 1) if n not in status["parts"] and n > 1]
    uploader.send(info, data, only=missing)
    done = uploader.complete(info)
    assert done.status_code == 200, done.get_json()
    with app.app_context():
        upload = db.session.scalar(select(PendingUpload))
        assert upload.sha256 == (None if backend == "production" else sha256(data))
        hash_pending()
        db.session.refresh(upload)
        assert upload.sha256 == sha256(data)
        with current_storage().open(upload.storage_key) as stream:
            assert hashlib.sha256(stream.read()).hexdigest() == upload.sha256
    assert leftovers(app) == []


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextmanager
def bytes_read(app) -> Iterator[list[int]]:
    """Count the bytes the app's S3 client fetches (every GetObject's Content-Length)."""
    events = app.extensions["storage"].client.meta.events
    total = [0]

    def count(parsed, **_) -> None:
        total[0] += parsed.get("ContentLength", 0)

    events.register("after-call.s3.GetObject", count)
    try:
        yield total
    finally:
        events.unregister("after-call.s3.GetObject", count)


PRODUCTION_ONLY = pytest.mark.parametrize(
    "backend", [pytest.param("production", marks=pytest.mark.production)]
)


@PRODUCTION_ONLY
def test_completing_on_s3_reads_only_what_the_probe_needs(app, uploader, big_wav, small_parts):
    """The hash of a direct upload is the worker's job: completion must not read the file."""
    data = big_wav.read_bytes()
    info = uploader.start(big_wav).get_json()
    uploader.send(info, data)
    with bytes_read(app) as during_completion:
        done = uploader.complete(info)
    assert done.status_code == 200, done.get_json()
    assert 0 < during_completion[0] <= 1024 * 1024 < len(data) // 10
    with app.app_context():
        assert db.session.scalar(select(PendingUpload.sha256)) is None
        with bytes_read(app) as by_the_worker:
            assert hash_pending() == 1
        assert by_the_worker[0] == len(data)
        assert db.session.scalar(select(PendingUpload.sha256)) == sha256(data)


@PRODUCTION_ONLY
def test_media_etag_before_and_after_the_worker_hashes(app, uploader, audio_dir):
    """While the hash is pending the ETag is one of key and size; both validate correctly."""
    app.config["MEDIA_CACHE_SECONDS"] = 0  # see the worker's hash at once
    data = (audio_dir / "tone.mp3").read_bytes()
    answer = uploader.upload(audio_dir / "tone.mp3").get_json()
    assert uploader.save(answer["id"], title="Väntar", publish="y").status_code == 302
    with app.app_context():
        key = db.session.scalar(select(StoredFile.storage_key).where(StoredFile.sha256 == ""))
    path = f"/media/{key}"
    client = uploader.client

    pending = client.get(path)
    assert pending.status_code == 200 and pending.data == data
    early = pending.headers["ETag"].strip('"')
    assert len(early) == 32 and early != sha256(data)[:32]
    assert client.get(path, headers={"If-None-Match": f'"{early}"'}).status_code == 304
    resumed = client.get(path, headers={"Range": "bytes=100-", "If-Range": f'"{early}"'})
    assert resumed.status_code == 206 and resumed.data == data[100:]

    with app.app_context():
        assert hash_pending() == 1
    hashed = client.get(path)
    assert hashed.headers["ETag"] == f'"{sha256(data)[:32]}"'
    assert client.get(path, headers={"If-None-Match": hashed.headers["ETag"]}).status_code == 304
    # The old validator no longer matches: a full answer, never a wrong 304 or range.
    assert client.get(path, headers={"If-None-Match": f'"{early}"'}).status_code == 200
    stale = client.get(path, headers={"Range": "bytes=100-", "If-Range": f'"{early}"'})
    assert stale.status_code == 200 and stale.data == data


@PRODUCTION_ONLY
def test_export_computes_a_pending_hash(app, uploader, audio_dir, tmp_path):
    from app.services.exports import export_show

    data = (audio_dir / "tone.mp3").read_bytes()
    answer = uploader.upload(audio_dir / "tone.mp3").get_json()
    assert uploader.save(answer["id"], title="Export", publish="y").status_code == 302
    archive = tmp_path / "show.zip"
    with app.test_request_context(), archive.open("wb") as out:
        manifest = export_show(uploader.show, out)
    with app.app_context():
        audio = db.session.scalar(select(Episode)).audio
        assert audio.sha256 == sha256(data)  # recorded, so the worker need not read it again
    [entry] = [e for e in manifest["stored_files"] if e["storage_key"] == audio.storage_key]
    assert entry["sha256"] == sha256(data)
    assert all(len(e["sha256"]) == 64 for e in manifest["stored_files"])
    with zipfile.ZipFile(archive) as opened:
        assert sha256(opened.read(entry["archive_path"])) == entry["sha256"]


@pytest.mark.parametrize("backend", ["embedded"])
def test_chunks_resume_from_what_arrived(app, uploader, big_wav, small_parts):
    data = big_wav.read_bytes()
    info = uploader.start(big_wav).get_json()
    chunk = info["part_size"]
    assert uploader.put_chunk(info, 0, data[:chunk], len(data)).get_json() == {"received": chunk}
    gap = uploader.put_chunk(info, 2 * chunk, data[2 * chunk : 3 * chunk], len(data))
    assert gap.status_code == 409
    # A resent chunk whose answer was lost overwrites, it does not double.
    again = uploader.put_chunk(info, 0, data[:chunk], len(data))
    assert again.get_json() == {"received": chunk}
    bad_range = uploader.client.put(
        info["url"], data=b"x", headers={**uploader.headers, "Content-Range": "bytes 5-1/9"}
    )
    assert bad_range.status_code == 422
    assert uploader.status(info)["received"] == chunk
    position = chunk
    while position < len(data):
        answer = uploader.put_chunk(info, position, data[position : position + chunk], len(data))
        position = answer.get_json()["received"]
    assert uploader.complete(info).status_code == 200


class TestRefusals:
    """Each refused file: a plain message in the user's language, and nothing kept."""

    @pytest.fixture
    def before(self, app, show):
        return row_counts(app), stored_keys(app)

    def assert_nothing_kept(self, app, before):
        assert (row_counts(app), stored_keys(app)) == before
        assert leftovers(app) == []

    def test_declared_size_over_limit(self, app, uploader, audio_dir, before):
        app.config["MAX_UPLOAD_BYTES"] = 20_000
        response = uploader.start(audio_dir / "tone.wav")
        assert response.status_code == 413
        assert "larger than the limit of 20 kB" in response.get_json()["message"]
        self.assert_nothing_kept(app, before)

    def test_more_bytes_than_declared(self, app, uploader, audio_dir, before, backend):
        path = audio_dir / "tone.mp3"
        data = path.read_bytes()
        info = uploader.start(path, size=1000).get_json()
        if backend == "production":
            uploader.put_part(info, 1, data)  # S3 cannot bound a presigned PUT; completion can
            response = uploader.complete(info)
            assert response.status_code == 413
        else:
            response = uploader.put_chunk(info, 0, data[:1000], len(data))
            assert response.status_code == 422
        assert uploader.client.get(info["url"], headers=uploader.headers).status_code == 404
        self.assert_nothing_kept(app, before)

    def test_not_audio(self, app, uploader, before, tmp_path):
        response = uploader.upload(audio.not_audio(tmp_path / "notes.mp3"))
        assert response.status_code == 415
        assert "not an audio file" in response.get_json()["message"]
        self.assert_nothing_kept(app, before)

    def test_not_audio_in_swedish(self, app, uploader, before, tmp_path):
        uploader.headers["Accept-Language"] = "sv"
        response = uploader.upload(audio.not_audio(tmp_path / "notes.mp3"))
        assert response.status_code == 415
        assert "inte en ljudfil" in response.get_json()["message"]
        self.assert_nothing_kept(app, before)

    def test_corrupt_audio(self, app, uploader, before, audio_dir, tmp_path):
        path = audio.cut_mp3(audio_dir / "tone.mp3", tmp_path / "half.mp3", 0.4)
        response = uploader.upload(path)
        assert response.status_code == 415
        assert "cut short" in response.get_json()["message"]
        self.assert_nothing_kept(app, before)

    def test_empty(self, app, uploader, before, tmp_path):
        response = uploader.start(audio.empty(tmp_path / "empty.mp3"))
        assert response.status_code == 415
        assert "empty" in response.get_json()["message"]
        self.assert_nothing_kept(app, before)

    def test_cancel(self, app, uploader, before, big_wav, small_parts):
        info = uploader.start(big_wav).get_json()
        uploader.send(info, big_wav.read_bytes(), only=[1])
        response = uploader.client.delete(info["url"], headers=uploader.headers)
        assert response.status_code == 204
        self.assert_nothing_kept(app, before)

    def test_another_users_upload_is_not_there(self, app, uploader, audio_dir, before):
        from app.services import members
        from app.services.shows import get_show
        from app.services.users import create_user

        info = uploader.upload(audio_dir / "tone.mp3").get_json()
        with app.app_context():
            other = create_user("other@example.org", "correct horse battery")
            members.set_role(other, get_show(uploader.show), "editor")
        stranger = app.test_client()
        log_in(stranger, "other@example.org")
        token = csrf_token(stranger, f"/studio/{uploader.show}/episodes/new")
        headers = {"X-CSRFToken": token, "Accept": "application/json"}
        assert stranger.get(info["url"], headers=headers).status_code == 404
        assert stranger.delete(info["url"], headers=headers).status_code == 404
        saved = stranger.post(
            f"/studio/{uploader.show}/episodes/new",
            data={"csrf_token": token, "upload": info["id"], "title": "Stulen", "publish": "y"},
        )
        assert saved.status_code == 404
        assert row_counts(app)["episodes"] == 0


def test_failed_save_keeps_fields_and_file(app, uploader, audio_dir):
    answer = uploader.upload(audio_dir / "tagged.mp3").get_json()
    response = uploader.save(answer["id"], title="  ", description="Mina anteckningar")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give the episode a title." in page
    assert "Mina anteckningar" in page
    assert f'value="{answer["id"]}"' in page  # the upload is still named by the form
    assert "tagged.mp3" in page and "0:03" in page
    assert uploader.save(answer["id"], title="Nu med titel").status_code == 302


def test_author_saves_a_draft_only(app, client, show, audio_dir):
    from app.services import members
    from app.services.shows import get_show
    from app.services.users import create_user

    with app.app_context():
        author = create_user("author@example.org", "correct horse battery")
        members.set_role(author, get_show(show), "author")
    log_in(client, "author@example.org")
    uploader = Uploader(client, show)
    page = client.get(f"/studio/{show}/episodes/new").get_data(as_text=True)
    assert "Publish now" not in page
    answer = uploader.upload(audio_dir / "tone.mp3").get_json()
    assert uploader.save(answer["id"], title="Försök", publish="y").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Episode)).published_at is None


def test_clean_removes_abandoned_uploads(app, uploader, runner, big_wav, small_parts):
    old = uploader.start(big_wav).get_json()
    uploader.send(old, big_wav.read_bytes(), only=[1])
    fresh = uploader.start(big_wav, name="fresh.wav").get_json()
    uploader.send(fresh, big_wav.read_bytes(), only=[1])
    with app.app_context():
        db.session.execute(
            update(PendingUpload)
            .where(PendingUpload.token == old["id"])
            .values(created_at=utcnow() - timedelta(hours=25))
        )
        db.session.commit()
    assert len(leftovers(app)) == 2

    result = runner.invoke(args=["uploads", "clean", "--older-than", "24h"])
    assert result.exit_code == 0, result.output
    assert "removed 1 abandoned upload(s)" in result.output
    with app.app_context():
        assert db.session.scalars(select(PendingUpload.token)).all() == [fresh["id"]]
    assert len(leftovers(app)) == 1
    assert uploader.status(fresh)["received"] == fresh["part_size"]


def test_clean_refuses_a_malformed_age(runner):
    result = runner.invoke(args=["uploads", "clean", "--older-than", "soon"])
    assert result.exit_code != 0
    assert "e.g. 24h" in result.output


def test_json_body_is_not_needed_for_errors(uploader):
    response = uploader.client.post(
        f"/studio/{uploader.show}/uploads", data=json.dumps({}), headers=uploader.headers
    )
    assert response.status_code == 422
    assert response.get_json()["message"] == "Choose an audio file to upload."


@pytest.mark.parametrize("name", ["avsnitt.mp3", "avsnitt"])
def test_stored_name_follows_the_format_not_the_file_name(app, uploader, audio_dir, name):
    path = audio_dir / "tone.m4a"
    started = uploader.start(path, name=name).get_json()
    uploader.send(started, path.read_bytes())
    done = uploader.complete(started)
    assert done.status_code == 200, done.get_json()
    with app.app_context():
        upload = db.session.scalar(select(PendingUpload))
        assert upload.storage_key.endswith(".m4a")
        assert upload.probe["mime_type"] == "audio/x-m4a"
    assert [key for key in stored_keys(app) if "artwork" not in key] == [upload.storage_key]


def test_part_urls_only_for_parts_of_the_file(app, uploader, audio_dir, backend):
    info = uploader.start(audio_dir / "tone.mp3").get_json()
    for parts in ([0], [info["part_count"] + 1], [], "1"):
        response = uploader.client.post(
            info["url"] + "/parts", json={"parts": parts}, headers=uploader.headers
        )
        assert response.status_code == 422, parts
    signed = uploader.client.post(
        info["url"] + "/parts", json={"parts": [1]}, headers=uploader.headers
    )
    assert signed.status_code == (200 if backend == "production" else 422)


def test_upload_api_needs_the_csrf_token(app, uploader, audio_dir, backend):
    path = audio_dir / "tone.mp3"
    response = uploader.client.post(
        f"/studio/{uploader.show}/uploads",
        json={"filename": path.name, "size": path.stat().st_size},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert row_counts(app)["pending_uploads"] == 0


def test_new_episode_starts_with_the_shows_persons(app, uploader, show, audio_dir):
    """The show's persons are the default for a new episode; the editor can change them."""
    from app.models import Person
    from app.services.shows import get_show

    with app.app_context():
        show_id = get_show(show).id
        db.session.add(Person(show_id=show_id, name="Amira", role="host", position=0))
        db.session.commit()
    answer = uploader.upload(audio_dir / "tone.mp3").get_json()
    assert uploader.save(answer["id"], title="Med värd", publish="y").status_code == 302
    with app.app_context():
        episode = db.session.scalar(select(Episode))
        rows = db.session.scalars(select(Person).where(Person.episode_id == episode.id)).all()
        assert [(p.name, p.role, p.show_id) for p in rows] == [("Amira", "host", show_id)]
    feed = uploader.client.get(f"/{show}/feed.xml").get_data(as_text=True)
    assert feed.count('<podcast:person role="host">Amira</podcast:person>') == 2  # show + item


@pytest.mark.parametrize("body", ["[]", "1", '"a.mp3"', "null", '{"filename": '])
def test_start_refuses_a_body_that_is_no_json_object(app, uploader, body):
    """A JSON number or string once reached ``body.get`` and made a 500."""
    response = uploader.client.post(
        f"/studio/{uploader.show}/uploads",
        data=body,
        content_type="application/json",
        headers=uploader.headers,
    )
    assert response.status_code == 422
    assert response.get_json()["message"] == "The request must send a JSON object."
    assert row_counts(app)["pending_uploads"] == 0


@pytest.mark.parametrize("size", ["1e400", "true", '"12abc"', "[1000]"])
def test_start_refuses_a_size_that_is_no_whole_number(app, uploader, size):
    """``1e400`` is infinity to Python's JSON, and ``int(inf)`` an OverflowError."""
    response = uploader.client.post(
        f"/studio/{uploader.show}/uploads",
        data='{"filename": "a.mp3", "type": "audio/mpeg", "size": ' + size + "}",
        content_type="application/json",
        headers=uploader.headers,
    )
    assert response.status_code == 422
    assert response.get_json()["message"] == "The size of the file is missing."
    assert row_counts(app)["pending_uploads"] == 0


@pytest.mark.parametrize("name", ["a\\u0000.mp3", "a\\ud800.mp3"])
def test_start_refuses_a_file_name_that_is_not_text(app, uploader, name):
    """A lone surrogate cannot be stored as UTF-8, a NUL not in PostgreSQL: both were 500s."""
    response = uploader.client.post(
        f"/studio/{uploader.show}/uploads",
        data='{"filename": "' + name + '", "type": "audio/mpeg", "size": 1000}',
        content_type="application/json",
        headers=uploader.headers,
    )
    assert response.status_code == 422
    assert "not text" in response.get_json()["message"]
    assert row_counts(app)["pending_uploads"] == 0
    assert leftovers(app) == []


def test_part_urls_need_a_json_object(app, uploader, audio_dir):
    info = uploader.start(audio_dir / "tone.mp3").get_json()
    response = uploader.client.post(
        info["url"] + "/parts",
        data="[1]",
        content_type="application/json",
        headers=uploader.headers,
    )
    assert response.status_code == 422
    assert response.get_json()["message"] == "The request must send a JSON object."
