"""The worker's hashing of uploads that completion left unhashed, on both backends."""

from __future__ import annotations

import hashlib
import io
import logging
import os

from sqlalchemy import func, select

from app.extensions import db
from app.models import PendingUpload, StoredFile, User
from app.services.hashes import PENDING, _backoff, hash_pending
from app.services.shows import get_show
from app.storage import current_storage


def pending_file(key: str, data: bytes) -> int:
    """An object in storage whose row still waits for its hash, as an S3 upload's does."""
    current_storage().save(key, io.BytesIO(data), "audio/mpeg")
    row = StoredFile(storage_key=key, size=len(data), sha256=PENDING, mime_type="audio/mpeg")
    db.session.add(row)
    db.session.commit()
    return row.id


def pending_upload(show: str, email: str, key: str, data: bytes) -> int:
    """A finished upload not yet an episode, with no hash, as _finish_direct leaves it."""
    current_storage().save(key, io.BytesIO(data), "audio/mpeg")
    user = db.session.scalar(select(User).where(User.email == email))
    row = PendingUpload(
        token=key.rsplit("/", 1)[-1][:32],
        show_id=get_show(show).id,
        user_id=user.id,
        storage_key=key,
        filename="avsnitt.mp3",
        content_type="audio/mpeg",
        size=len(data),
        state="ready",
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_pending_files_and_uploads_get_their_own_hash(app, show, producer):
    blobs = [os.urandom(3000 + n) for n in range(4)]
    with app.app_context():
        files = [pending_file(f"{show}/f{n}.mp3", blobs[n]) for n in range(2)]
        upload = pending_upload(show, producer, f"{show}/upload.mp3", blobs[2])
        current_storage().save(f"{show}/done.mp3", io.BytesIO(blobs[3]), "audio/mpeg")
        db.session.add(
            StoredFile(storage_key=f"{show}/done.mp3", size=3, sha256="a" * 64, mime_type="x")
        )
        db.session.commit()

        assert hash_pending() == 3
        db.session.expire_all()
        assert [db.session.get(StoredFile, id).sha256 for id in files] == [
            sha(blobs[0]),
            sha(blobs[1]),
        ]
        assert db.session.get(PendingUpload, upload).sha256 == sha(blobs[2])
        untouched = db.session.scalar(
            select(StoredFile.sha256).where(StoredFile.storage_key == f"{show}/done.mp3")
        )
        assert untouched == "a" * 64
        assert hash_pending() == 0


def test_an_unreadable_file_is_logged_and_tried_again_after_a_growing_pause(app, show, caplog):
    """A lost object is retried after 1 min, 2, 4 ... not every round; the others go on."""
    lost, kept = os.urandom(2000), os.urandom(2100)
    now = [1000.0]
    with app.app_context():
        lost_id = pending_file(f"{show}/lost.mp3", lost)
        kept_id = pending_file(f"{show}/kept.mp3", kept)
        current_storage().delete(f"{show}/lost.mp3")

        with caplog.at_level(logging.WARNING, logger="app.services.hashes"):
            assert hash_pending(clock=lambda: now[0]) == 1
        assert f"could not hash {show}/lost.mp3 (failure 1; next try in 60 s)" in caplog.text
        db.session.expire_all()
        assert db.session.get(StoredFile, lost_id).sha256 == PENDING
        assert db.session.get(StoredFile, kept_id).sha256 == sha(kept)

        caplog.clear()
        now[0] += 30  # the next worker round: too soon to try again, and nothing logged
        with caplog.at_level(logging.WARNING, logger="app.services.hashes"):
            assert hash_pending(clock=lambda: now[0]) == 0
        assert caplog.text == ""
        now[0] += 30
        with caplog.at_level(logging.WARNING, logger="app.services.hashes"):
            assert hash_pending(clock=lambda: now[0]) == 0
        assert "(failure 2; next try in 120 s)" in caplog.text
        now[0] += 119
        assert hash_pending(clock=lambda: now[0]) == 0
        assert "(failure 3" not in caplog.text

        current_storage().save(f"{show}/lost.mp3", io.BytesIO(lost), "audio/mpeg")
        now[0] += 1
        assert hash_pending(clock=lambda: now[0]) == 1
        db.session.expire_all()
        assert db.session.get(StoredFile, lost_id).sha256 == sha(lost)
        assert app.extensions["hash_retries"] == {}


def test_the_pause_doubles_up_to_six_hours():
    assert [_backoff(n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert _backoff(9) == 60 * 256 and _backoff(10) == _backoff(10_000) == 6 * 3600


def test_a_round_starts_no_file_after_its_budget(app, show):
    """Each hashed file costs 100 made-up seconds; a 150 s budget starts two of three."""
    with app.app_context():
        for n in range(3):
            pending_file(f"{show}/f{n}.mp3", os.urandom(1000))

        def clock() -> float:
            done = db.session.scalar(
                select(func.count()).select_from(StoredFile).where(StoredFile.sha256 != PENDING)
            )
            return 100.0 * done

        assert hash_pending(budget_seconds=150, clock=clock) == 2
        assert hash_pending(budget_seconds=0) == 0
        assert hash_pending() == 1


def test_an_upload_saved_as_an_episode_while_hashed_gets_the_hash_on_its_file(
    app, show, producer, monkeypatch
):
    """The producer saves the episode while the worker reads the upload's object."""
    data = os.urandom(5000)
    key = f"{show}/raced.mp3"
    with app.app_context():
        upload = pending_upload(show, producer, key, data)
        storage = current_storage()
        read = storage.sha256

        def save_episode_meanwhile(hashed_key: str) -> str:
            digest = read(hashed_key)
            db.session.delete(db.session.get(PendingUpload, upload))
            db.session.add(StoredFile(storage_key=key, size=len(data), sha256="", mime_type="x"))
            db.session.commit()
            return digest

        monkeypatch.setattr(storage, "sha256", save_episode_meanwhile)
        assert hash_pending() == 1
        stored = db.session.scalar(select(StoredFile.sha256).where(StoredFile.storage_key == key))
        assert stored == sha(data)


def test_the_worker_hashes_pending_uploads(app, runner, show):
    data = os.urandom(4000)
    with app.app_context():
        file_id = pending_file(f"{show}/w.mp3", data)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "hashed 1 uploaded file(s)" in result.output
    with app.app_context():
        assert db.session.get(StoredFile, file_id).sha256 == sha(data)
