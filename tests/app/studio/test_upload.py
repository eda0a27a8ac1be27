"""Uploading through the studio form: real audio in, an episode in the feed out."""

from __future__ import annotations

import io

import podcastparser
import pytest

from tests.app.conftest import csrf_token, log_in, row_counts, stored_keys, upload
from tests.support import audio

FORMATS = {
    "tone.mp3": "audio/mpeg",
    "tone.m4a": "audio/x-m4a",
    "tone.opus": "audio/ogg",
    "tone.ogg": "audio/ogg",
    "tone.flac": "audio/flac",
    "tone.wav": "audio/wav",
}


@pytest.fixture(autouse=True)
def english(client):
    """The messages asserted here are the English ones; Swedish is the default without a header."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.mark.parametrize("name", FORMATS)
def test_upload_publishes_episode_in_feed(studio, show, audio_dir, name):
    response = upload(
        studio, show, audio_dir / name, title="Avsnitt ett", description="Om Rosengård"
    )
    assert response.status_code == 302

    feed = studio.get(f"/{show}/feed.xml")
    parsed = podcastparser.parse(f"http://podcasts.test/{show}/feed.xml", io.BytesIO(feed.data))
    [episode] = parsed["episodes"]
    assert episode["title"] == "Avsnitt ett"
    assert episode["total_time"] == 3
    [enclosure] = episode["enclosures"]
    assert enclosure["mime_type"] == FORMATS[name]
    assert enclosure["file_size"] == (audio_dir / name).stat().st_size
    assert enclosure["url"].endswith(name[name.index(".") :])

    media = studio.get(enclosure["url"].replace("http://podcasts.test", ""))
    assert media.status_code == 200
    assert media.data == (audio_dir / name).read_bytes()


def test_upload_page_lists_episode_with_duration(studio, show, audio_dir):
    upload(studio, show, audio_dir / "tone.mp3", title="Första avsnittet")
    page = studio.get(f"/studio/{show}/?lang=en").get_data(as_text=True)
    assert "Första avsnittet" in page
    assert "0:03" in page
    assert "Published" in page


def test_draft_stays_out_of_feed_and_pages(studio, show, audio_dir):
    response = upload(studio, show, audio_dir / "tone.mp3", title="Utkast", publish="")
    assert response.status_code == 302
    assert b"Utkast" not in studio.get(f"/{show}/feed.xml").data
    assert studio.get(f"/{show}/episodes/utkast").status_code == 404
    assert "Draft" in studio.get(f"/studio/{show}/?lang=en").get_data(as_text=True)


def test_same_title_twice_gets_distinct_slugs_and_guids(studio, show, audio_dir):
    for _ in range(2):
        assert upload(studio, show, audio_dir / "tone.mp3", title="Samma").status_code == 302
    parsed = podcastparser.parse("x", io.BytesIO(studio.get(f"/{show}/feed.xml").data))
    links = sorted(e["link"] for e in parsed["episodes"])
    assert links == [
        f"http://podcasts.test/{show}/episodes/samma",
        f"http://podcasts.test/{show}/episodes/samma-2",
    ]
    assert len({e["guid"] for e in parsed["episodes"]}) == 2


def test_studio_requires_login(client, show):
    response = client.get(f"/studio/{show}/episodes/new")
    assert response.status_code == 302
    assert "/studio/login" in response.headers["Location"]


class TestBadInput:
    """Each refusal: a clear message, a 4xx status, and nothing left behind."""

    @pytest.fixture
    def before(self, app, show):
        return row_counts(app), stored_keys(app)

    def assert_nothing_kept(self, app, before):
        assert (row_counts(app), stored_keys(app)) == before

    def test_non_audio_named_mp3(self, app, studio, show, before, tmp_path):
        response = upload(studio, show, audio.not_audio(tmp_path / "notes.mp3"), title="X")
        assert response.status_code == 415
        assert "not an audio file" in response.get_data(as_text=True).lower()
        self.assert_nothing_kept(app, before)

    def test_empty_file(self, app, studio, show, before, tmp_path):
        response = upload(studio, show, audio.empty(tmp_path / "empty.mp3"), title="X")
        assert response.status_code == 415
        assert "empty" in response.get_data(as_text=True).lower()
        self.assert_nothing_kept(app, before)

    def test_truncated_mp3(self, app, studio, show, before, audio_dir, tmp_path):
        path = audio.truncated_mp3(audio_dir / "tone.mp3", tmp_path / "cut.mp3")
        response = upload(studio, show, path, title="X")
        assert response.status_code == 415
        self.assert_nothing_kept(app, before)

    def test_mp3_cut_short(self, app, studio, show, before, audio_dir, tmp_path):
        path = audio.cut_mp3(audio_dir / "tone.mp3", tmp_path / "half.mp3", 0.4)
        response = upload(studio, show, path, title="X")
        assert response.status_code == 415
        assert "cut short" in response.get_data(as_text=True)
        self.assert_nothing_kept(app, before)

    def test_missing_title(self, app, studio, show, before, audio_dir):
        response = upload(studio, show, audio_dir / "tone.mp3", title="  ")
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "Give the episode a title." in page
        assert 'aria-invalid="true"' in page
        self.assert_nothing_kept(app, before)

    def test_missing_file(self, app, studio, show, before):
        response = upload(studio, show, None, title="Ingen fil")
        assert response.status_code == 422
        assert "Choose an audio file" in response.get_data(as_text=True)
        self.assert_nothing_kept(app, before)

    def test_unknown_show(self, app, studio, show, before, audio_dir):
        url = "/studio/finns-inte/episodes/new"
        assert studio.get(url).status_code == 404
        path = audio_dir / "tone.mp3"
        token = csrf_token(studio, f"/studio/{show}/episodes/new")
        response = studio.post(
            url,
            data={"title": "X", "audio": (path.open("rb"), path.name), "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 404
        assert "There is no show called “finns-inte”." in response.get_data(as_text=True)
        self.assert_nothing_kept(app, before)

    def test_post_without_csrf_token(self, app, studio, show, before, audio_dir):
        path = audio_dir / "tone.mp3"
        response = studio.post(
            f"/studio/{show}/episodes/new",
            data={"title": "X", "audio": (path.open("rb"), path.name)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400
        assert "The form expired" in response.get_data(as_text=True)
        self.assert_nothing_kept(app, before)

    def test_upload_over_limit_gets_413(self, app, studio, show, before, audio_dir):
        app.config["MAX_CONTENT_LENGTH"] = 20_000
        response = upload(studio, show, audio_dir / "tone.wav", title="Stor")
        assert response.status_code == 413
        assert "larger than the limit of 20 kB" in response.get_data(as_text=True)
        self.assert_nothing_kept(app, before)

    def test_wrong_password(self, app, client, producer, before):
        response = log_in(client, producer, "wrong password!")
        assert response.status_code == 401
        assert "The email or the password is wrong." in response.get_data(as_text=True)
        assert client.get("/studio/").status_code == 302
        self.assert_nothing_kept(app, before)

    def test_storage_failure_keeps_no_episode(
        self, app, studio, show, before, audio_dir, broken_storage
    ):
        app.extensions["storage"] = broken_storage
        response = upload(studio, show, audio_dir / "tone.mp3", title="X")
        assert response.status_code == 503
        assert "could not be stored" in response.get_data(as_text=True)
        assert row_counts(app) == before[0]


def test_a_file_posted_without_the_script_gets_what_a_browser_upload_gets(
    app, studio, show, audio_dir
):
    """The plain form (no JavaScript): the file's cover and chapters, and the show's persons."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Episode, Person
    from app.services.shows import get_show

    with app.app_context():
        db.session.add(Person(show_id=get_show(show).id, name="Amira", role="host", position=0))
        db.session.commit()
    assert upload(studio, show, audio_dir / "tagged.mp3", title="Med allt").status_code == 302
    with app.app_context():
        episode = db.session.scalar(select(Episode))
        assert [(c.start_seconds, c.title, c.url) for c in episode.chapters] == [
            (start, title, url) for start, _end, title, url in audio.CHAPTERS
        ]
        assert episode.image is not None and episode.image.mime_type == "image/jpeg"
        persons = select(Person.name).where(Person.episode_id == episode.id)
        assert db.session.scalars(persons).all() == ["Amira"]
