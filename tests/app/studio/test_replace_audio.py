"""Replacing an episode's audio: what described the old audio is brought in line.

Chapters and soundbites past the new end are removed and named to the producer;
alternate enclosures (the old audio in other formats) go from the database,
storage and the feed; a failure leaves the episode as it was. Both backends,
real audio.
"""

from __future__ import annotations

import io

import pytest
from lxml import etree
from sqlalchemy import event, select

from app.extensions import db
from app.models import AlternateEnclosure, Episode, StoredFile
from app.services import editing
from app.services.feed_extras import add_alternate_enclosure, set_chapters, update_episode_feed
from app.services.feed_health import feed_health
from media.synth import synthesize
from tests.app.conftest import csrf_token, row_counts, stored_keys
from tests.app.studio.test_editor import (
    chapter_fields,
    chapters_of,
    edit_url,
    feed_items,
    save,
    version,
)
from tests.support import audio

NS = {"podcast": "https://podcastindex.org/namespace/1.0"}
SOUNDBITES = [
    {"start": 0.25, "duration": 0.75, "title": "Kort"},
    {"start": 1.0, "duration": 1.5, "title": "Lång"},
]


@pytest.fixture
def short_mp3(tmp_path):
    """Real MP3 of about 1.5 s (the probe says 1.54): half the episode's length."""
    return synthesize(tmp_path / "kort.mp3", "mp3", seconds=1.5).read_bytes()


def replace(client, app, show, episode_id, content: bytes, name: str, **extra):
    data = {
        "csrf_token": csrf_token(client, edit_url(show, episode_id)),
        "lock_version": str(version(app, episode_id)),
        "audio": (io.BytesIO(content), name),
        **extra,
    }
    return client.post(
        edit_url(show, episode_id, "audio"),
        data=data,
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def flashes(response) -> list[str]:
    """The messages the editor shows after the redirect, as text."""
    page = etree.HTML(response.get_data(as_text=True))
    return [
        "".join(p.itertext())
        for p in page.xpath('//p[@class="flash"] | //div[contains(@class, "ds-alert")]/p')
    ]


def feed_tree(client, show: str) -> etree._Element:
    return etree.fromstring(client.get(f"/{show}/feed.xml").data)


def add_opus(app, show, audio_dir) -> str:
    """An Opus alternate of the episode; returns its storage key."""
    with app.app_context(), (audio_dir / "tone.opus").open("rb") as stream:
        alternate = add_alternate_enclosure(
            show, "avsnitt-ett", stream, title="Opus", filename="tone.opus"
        )
        return alternate.file.storage_key


def alternates_in_db(app) -> int:
    with app.app_context():
        return db.session.query(AlternateEnclosure).count()


# The test show keeps the placeholder artwork it was created with; that is no audio error.
STAND_INS = {"placeholder-artwork"}


def errors_in_health(app, show) -> list:
    """The feed linter's errors, with the stored sizes feed health reads from storage."""
    with app.test_request_context():
        return [f for f in feed_health(show) if f.severity == "error" and f.code not in STAND_INS]


def test_shorter_audio_drops_chapters_and_soundbites_past_its_end(
    studio, app, show, episode_id, short_mp3
):
    chapters = (("0:00", "Början"), ("0:01", "Mitten"), ("0:02.5", "Slutet"))
    save(studio, app, show, episode_id, action="publish", **chapter_fields(*chapters))
    with app.app_context():
        update_episode_feed(show, "avsnitt-ett", soundbites=SOUNDBITES)
    assert len(feed_tree(studio, show).xpath("//podcast:soundbite", namespaces=NS)) == 2

    response = replace(studio, app, show, episode_id, short_mp3, "kort.mp3")

    assert response.status_code == 200
    assert flashes(response) == [
        "The audio is replaced.",
        "These chapters started at or after the end of the new audio (0:01) and were removed: "
        "00:00:02.5 “Slutet”.",
        "These soundbites no longer fit in the new audio (0:01) and were removed: "
        "00:00:01–00:00:02.5 “Lång”.",
    ]
    assert chapters_of(app, episode_id) == [(0.0, "Början"), (1.0, "Mitten")]
    served = studio.get(f"/{show}/episodes/avsnitt-ett/chapters.json").get_json(force=True)
    assert [c["title"] for c in served["chapters"]] == ["Början", "Mitten"]
    [bite] = feed_tree(studio, show).xpath("//podcast:soundbite", namespaces=NS)
    assert (bite.get("startTime"), bite.text) == ("0.25", "Kort")
    assert errors_in_health(app, show) == []


def test_chapters_inside_the_new_audio_are_kept_without_a_word(
    studio, app, show, episode_id, audio_dir
):
    save(studio, app, show, episode_id, **chapter_fields(("0:00", "Början"), ("0:02", "Sist")))
    content = (audio_dir / "tone.m4a").read_bytes()
    response = replace(studio, app, show, episode_id, content, "ny.m4a")
    assert flashes(response) == ["The audio is replaced."]
    assert chapters_of(app, episode_id) == [(0.0, "Början"), (2.0, "Sist")]


def test_alternate_enclosures_of_the_old_audio_are_removed(
    studio, app, show, episode_id, audio_dir
):
    save(studio, app, show, episode_id, action="publish")
    opus_key = add_opus(app, show, audio_dir)
    assert opus_key in stored_keys(app)
    assert feed_tree(studio, show).xpath("//podcast:alternateEnclosure", namespaces=NS)

    content = (audio_dir / "tone.m4a").read_bytes()
    response = replace(studio, app, show, episode_id, content, "ny.m4a")

    assert flashes(response) == [
        "The audio is replaced.",
        "The other formats of the old audio were removed, so the feed does not offer them "
        "with the new audio: Opus. Add them again, made from the new file.",
    ]
    assert alternates_in_db(app) == 0
    assert opus_key not in stored_keys(app)
    with app.app_context():
        assert (
            db.session.scalar(select(StoredFile).where(StoredFile.storage_key == opus_key)) is None
        )
    tree = feed_tree(studio, show)
    assert tree.xpath("//podcast:alternateEnclosure", namespaces=NS) == []
    [item] = feed_items(studio, show)
    assert [e["mime_type"] for e in item["enclosures"]] == ["audio/x-m4a"]
    assert errors_in_health(app, show) == []
    # Only the show's artwork and the new audio are left.
    assert len(stored_keys(app)) == 2


def test_the_new_files_chapter_marks_are_offered_and_taken_when_asked(
    studio, app, show, episode_id, audio_dir
):
    save(studio, app, show, episode_id, **chapter_fields(("0:00", "Egen"), ("0:01.5", "Andra")))
    tagged = (audio_dir / "tagged.m4a").read_bytes()

    response = replace(studio, app, show, episode_id, tagged, "ny.m4a")
    assert flashes(response) == [
        "The audio is replaced.",
        "The new file has 3 chapter marks; to use them instead, import them from the audio "
        "file's tags.",
    ]
    assert chapters_of(app, episode_id) == [(0.0, "Egen"), (1.5, "Andra")]

    response = replace(studio, app, show, episode_id, tagged, "ny.m4a", use_file_chapters="y")
    assert flashes(response) == [
        "The audio is replaced.",
        "The chapters are now the new file's 3 chapter marks.",
    ]
    assert chapters_of(app, episode_id) == [(s, t) for s, _e, t, _u in audio.CHAPTERS]


def test_notes_are_in_swedish_for_a_swedish_producer(studio, app, show, episode_id, short_mp3):
    save(studio, app, show, episode_id, **chapter_fields(("0:00", "Början"), ("0:02", "Slutet")))
    studio.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    response = replace(studio, app, show, episode_id, short_mp3, "kort.mp3")
    assert flashes(response) == [
        "Ljudet är utbytt.",
        "De här kapitlen började vid eller efter slutet på det nya ljudet (0:01) och togs "
        "bort: 00:00:02 ”Slutet”.",
    ]


def test_a_failed_commit_leaves_the_episode_as_it_was(app, show, episode_id, audio_dir, short_mp3):
    """The database refuses the commit: nothing changed, the new object is gone."""
    with app.app_context():
        update_episode_feed(show, "avsnitt-ett", soundbites=SOUNDBITES)
        set_chapters(show, "avsnitt-ett", [{"start": 0, "title": "A"}, {"start": 2, "title": "B"}])
    add_opus(app, show, audio_dir)
    chapters, counts, keys = chapters_of(app, episode_id), row_counts(app), stored_keys(app)
    assert chapters == [(0.0, "A"), (2.0, "B")]

    def refuse(session):
        raise RuntimeError("the database went away")

    with app.app_context():
        show_row = db.session.get(Episode, episode_id).show
        lock = db.session.get(Episode, episode_id).lock_version
        event.listen(db.session(), "before_commit", refuse)
        with pytest.raises(RuntimeError):
            editing.replace_audio(show_row, episode_id, io.BytesIO(short_mp3), lock_version=lock)

    assert (chapters_of(app, episode_id), row_counts(app)) == (chapters, counts)
    assert stored_keys(app) == keys
    assert alternates_in_db(app) == 1
    with app.app_context():
        episode = db.session.get(Episode, episode_id)
        assert episode.soundbites == SOUNDBITES
        assert episode.lock_version == lock


def test_a_stale_form_changes_nothing(studio, app, show, episode_id, audio_dir, short_mp3):
    add_opus(app, show, audio_dir)
    chapters, counts, keys = chapters_of(app, episode_id), row_counts(app), stored_keys(app)
    data = {
        "csrf_token": csrf_token(studio, edit_url(show, episode_id)),
        "lock_version": str(version(app, episode_id) - 1),
        "audio": (io.BytesIO(short_mp3), "kort.mp3"),
    }
    response = studio.post(
        edit_url(show, episode_id, "audio"), data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 409
    assert (chapters_of(app, episode_id), row_counts(app), stored_keys(app)) == (
        chapters,
        counts,
        keys,
    )


def test_a_dropped_chapters_stored_picture_leaves_storage(studio, app, show, episode_id, short_mp3):
    """An imported chapter picture is ours to delete once its chapter is gone."""
    save(studio, app, show, episode_id, **chapter_fields(("0:00", "Början"), ("0:02.5", "Slutet")))
    with app.app_context():
        episode = db.session.get(Episode, episode_id)
        pictures = []
        for chapter in episode.chapters:
            key = f"{show}/pictures/{chapter.title}.jpg"
            with editing.store_file(key, io.BytesIO(audio.cover_jpeg()), "image/jpeg") as stored:
                chapter.img_file = stored
                db.session.commit()
            pictures.append(key)
    kept, dropped = pictures
    replace(studio, app, show, episode_id, short_mp3, "kort.mp3")
    keys = stored_keys(app)
    assert kept in keys and dropped not in keys
    with app.app_context():
        stored = set(db.session.scalars(select(StoredFile.storage_key)))
    assert kept in stored and dropped not in stored
