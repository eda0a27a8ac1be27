"""The storage sweep removes objects no row names, and only those, on both backends.

SeaweedFS dates every object by its own clock, so a test cannot make an object
old there; the tests make every object old instead by sweeping "two days from
now", which is the same comparison on both backends.
"""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Chapter, Episode, PendingUpload, Person, Show, utcnow
from app.services.episodes import add_episode
from app.services.errors import StorageUnavailable
from app.services.feed_extras import add_alternate_enclosure, add_transcript
from app.services.files import store_file
from app.services.shows import get_show
from app.services.storage_sweep import in_show_folder, remove_if_orphan, sweep_storage
from app.services.users import create_user
from app.storage import current_storage
from media.storage import LocalStorage, S3Storage
from tests.app.conftest import row_counts, stored_keys
from tests.support import seaweed

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHej och v\xc3\xa4lkommen.\n"
LATER = timedelta(days=2)  # past the default grace of 24 hours


def put(key: str, data: bytes = b"left behind by a killed process") -> None:
    """An object with no row, as a process killed between storing and committing leaves."""
    current_storage().save(key, io.BytesIO(data), "application/octet-stream")


def attach(key: str, link) -> None:
    """Store a file and let ``link`` point a row at it, in one commit: the services' way."""
    with store_file(key, io.BytesIO(b"\x89PNG picture bytes"), "image/png") as stored:
        link(stored)
        db.session.commit()


def record_upload(show_id: int, user_id: int, token: str, key: str, state: str = "ready") -> None:
    """The row of an upload still arriving, or arrived and probed but not an episode yet."""
    db.session.add(
        PendingUpload(
            token=token,
            show_id=show_id,
            user_id=user_id,
            storage_key=key,
            filename="avsnitt.mp3",
            content_type="audio/mpeg",
            size=3,
            state=state,
        )
    )
    db.session.commit()


@pytest.fixture
def every_kind(app, show, audio_dir) -> list[str]:
    """One stored file of every kind a row can name; returns all stored keys."""
    with app.app_context():
        with (audio_dir / "tone.mp3").open("rb") as audio:
            episode = add_episode(show, audio, title="Avsnitt ett")
        slug, episode_id, show_id = episode.slug, episode.id, episode.show_id
        add_transcript(show, slug, "sv", io.BytesIO(VTT), "avsnitt.vtt")
        with (audio_dir / "tone.m4a").open("rb") as audio:
            add_alternate_enclosure(show, slug, audio, title="AAC")
        attach(
            f"{show}/artwork/episode.png",
            lambda f: setattr(db.session.get(Episode, episode_id), "image", f),
        )
        attach(
            f"{show}/artwork/original.png", lambda f: setattr(get_show(show), "image_original", f)
        )
        attach(
            f"{show}/pictures/chapter-1.png",
            lambda f: db.session.add(
                Chapter(episode_id=episode_id, start_seconds=0, title="In", img_file=f)
            ),
        )
        attach(
            f"{show}/pictures/person-1.png",
            lambda f: db.session.add(Person(show_id=show_id, name="Åsa", img_file=f)),
        )
        user_id = create_user("uppladdare@example.org", "correct horse battery").id
        record_upload(show_id, user_id, "ready-upload-1", f"{show}/ready.mp3")
        put(f"{show}/ready.mp3", b"mp3")
        # Finishing on disk renames to the probed format before the row says so.
        record_upload(show_id, user_id, "finishing-upload", f"{show}/finishing.mp3")
        put(f"{show}/finishing.m4a", b"mp3")
    keys = stored_keys(app)
    folders = {key.split("/")[1] if key.count("/") > 1 else "" for key in keys}
    assert folders == {"artwork", "transcripts", "pictures", ""}
    assert (
        len(keys) == 10
    )  # show and episode artwork, original, 2 audio, transcript, 2 pictures, 2 uploads
    return keys


def test_old_orphans_go_and_every_named_object_stays(app, every_kind):
    with app.app_context():
        put("testpodden/orphan.mp3", b"12345")
        put("oldshow/artwork/orphan.png", b"123")
        before = row_counts(app)
        result = sweep_storage(delete=True, now=utcnow() + LATER)
    assert [(o.key, o.size) for o in result.removed] == [
        ("oldshow/artwork/orphan.png", 3),
        ("testpodden/orphan.mp3", 5),
    ]
    assert result.removed_bytes == 8
    assert result.failure is None
    assert stored_keys(app) == every_kind
    assert row_counts(app) == before


def test_a_dry_run_reports_and_removes_nothing(app, every_kind):
    with app.app_context():
        put("testpodden/orphan.mp3", b"12345")
        result = sweep_storage(delete=False, now=utcnow() + LATER)
    assert [(o.key, o.size) for o in result.orphans] == [("testpodden/orphan.mp3", 5)]
    assert result.removed == []
    assert result.listed == len(every_kind) + 1
    assert stored_keys(app) == sorted([*every_kind, "testpodden/orphan.mp3"])


def test_orphans_within_the_grace_period_stay(app, show):
    with app.app_context():
        put("testpodden/just-stored.mp3")
        result = sweep_storage(delete=True)  # the configured 24 hours, from now
    assert result.orphans == []
    assert "testpodden/just-stored.mp3" in stored_keys(app)


def test_the_grace_period_is_measured_from_the_last_modification(app, show):
    with app.app_context():
        put("testpodden/older.mp3")
        time.sleep(1.1)  # S3 dates objects to the second
        put("testpodden/newer.mp3")
        newer = current_storage().stat("testpodden/newer.mp3").last_modified
        result = sweep_storage(delete=True, grace=timedelta(seconds=0.5), now=newer)
    assert [o.key for o in result.removed] == ["testpodden/older.mp3"]
    assert "testpodden/newer.mp3" in stored_keys(app)


def test_files_outside_show_folders_are_never_swept(app, show):
    with app.app_context():
        put("README.txt")
        result = sweep_storage(delete=True, now=utcnow() + LATER)
    assert result.orphans == []
    assert "README.txt" in stored_keys(app)


@pytest.mark.parametrize(
    ("key", "ours"),
    [
        ("testpodden/a.mp3", True),
        ("testpodden/artwork/a.png", True),
        (".uploads/.abcdefgh12.part", True),
        ("README.txt", False),
        ("testpodden/folder/", False),  # what an S3 console's "create folder" makes
        ("testpodden//a.mp3", False),
    ],
)
def test_only_keys_the_app_could_have_made_are_considered(key, ours):
    assert in_show_folder(key) is ours


def test_a_second_sweep_finds_nothing_more(app, show):
    with app.app_context():
        put("testpodden/orphan.mp3")
        first = sweep_storage(delete=True, now=utcnow() + LATER)
        second = sweep_storage(delete=True, now=utcnow() + LATER)
    assert [o.key for o in first.removed] == ["testpodden/orphan.mp3"]
    assert second.orphans == second.removed == []


def test_each_object_is_checked_again_right_before_it_is_deleted(app, show):
    """Between listing and deleting, a row may name the key or a save may rewrite it."""
    later = utcnow() + LATER
    with app.app_context():
        storage = current_storage()
        cutoff = later - timedelta(hours=24)
        attach("testpodden/artwork/named-since.png", lambda f: db.session.add(f))
        assert not remove_if_orphan(storage, "testpodden/artwork/named-since.png", cutoff)
        put("testpodden/rewritten.mp3")
        assert not remove_if_orphan(
            storage, "testpodden/rewritten.mp3", utcnow() - timedelta(hours=1)
        )
        assert not remove_if_orphan(storage, "testpodden/already-gone.mp3", cutoff)
        put("testpodden/orphan.mp3")
        assert remove_if_orphan(storage, "testpodden/orphan.mp3", cutoff)
    keys = stored_keys(app)
    assert "testpodden/artwork/named-since.png" in keys
    assert "testpodden/rewritten.mp3" in keys
    assert "testpodden/orphan.mp3" not in keys


def test_nothing_is_removed_when_storage_cannot_be_listed(app, show, broken_storage):
    with app.app_context():
        put("testpodden/orphan.mp3")
    app.extensions["storage"] = broken_storage
    with app.app_context(), pytest.raises(StorageUnavailable, match="nothing was removed"):
        sweep_storage(delete=True, now=utcnow() + LATER)


@pytest.mark.parametrize("backend", [pytest.param("production", marks=pytest.mark.production)])
def test_a_refused_delete_stops_the_sweep_and_is_reported(app, show, backend, seaweedfs):
    """A store that refuses one delete gets no more tries; the next sweep continues."""
    with app.app_context():
        put("testpodden/orphan-1.mp3")
        put("testpodden/orphan-2.mp3")
        writer = current_storage()
        assert isinstance(writer, S3Storage)
        reader = S3Storage(
            writer.bucket,
            writer.prefix,
            endpoint_url=seaweedfs.endpoint_url,
            region=seaweedfs.region,
            addressing_style="path",
            access_key_id=seaweed.READER_ACCESS_KEY,
            secret_access_key=seaweed.READER_SECRET_KEY,
        )
        app.extensions["storage"] = reader
        result = sweep_storage(delete=True, now=utcnow() + LATER)
        assert len(result.orphans) == 2
        assert result.removed == []
        assert result.failure.startswith("testpodden/orphan-1.mp3: ")
        app.extensions["storage"] = writer
        assert {"testpodden/orphan-1.mp3", "testpodden/orphan-2.mp3"} <= set(writer.list_keys())
        again = sweep_storage(delete=True, now=utcnow() + LATER)
    assert [o.key for o in again.removed] == ["testpodden/orphan-1.mp3", "testpodden/orphan-2.mp3"]


@pytest.mark.parametrize("backend", ["embedded"])
def test_writes_that_never_finished_on_disk_go_unless_an_upload_is_recorded(app, show, backend):
    """A killed save leaves a temp file, a cancelled upload may leave its partial file."""
    with app.app_context():
        storage = current_storage()
        assert isinstance(storage, LocalStorage)
        (storage.root / "testpodden" / ".a.mp3.x81ks2.part").write_bytes(b"half a save")
        storage.partials.write("recorded-upload", 0, io.BytesIO(b"chunk"), 5)
        storage.partials.write("forgotten-upload", 0, io.BytesIO(b"chunk"), 5)
        user = create_user("uppladdare@example.org", "correct horse battery")
        record_upload(
            get_show(show).id, user.id, "recorded-upload", f"{show}/recorded.mp3", "receiving"
        )
        assert sweep_storage(delete=True).orphans == []  # all fresh
        result = sweep_storage(delete=True, now=utcnow() + LATER)
        assert [o.key for o in result.removed] == [
            ".uploads/.forgotten-upload.part",
            "testpodden/.a.mp3.x81ks2.part",
        ]
        assert storage.partials.list_ids() == ["recorded-upload"]
        assert storage.list_unfinished()[0].key == ".uploads/.recorded-upload.part"


def test_the_show_row_keeps_its_artwork(app, show):
    """The artwork create_show stored is named by the show's row and survives any sweep."""
    with app.app_context():
        artwork = db.session.scalar(select(Show)).image.storage_key
        sweep_storage(delete=True, now=utcnow() + LATER)
    assert stored_keys(app) == [artwork]
