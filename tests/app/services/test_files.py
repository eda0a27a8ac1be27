"""store_file keeps storage and database in step when anything fails."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import StoredFile
from app.services.errors import StorageUnavailable
from app.services.files import store_file
from app.storage import current_storage


def test_failure_inside_the_block_removes_the_object(app):
    with app.app_context():
        with (
            pytest.raises(RuntimeError),
            store_file("s/a.mp3", io.BytesIO(b"x" * 10), "audio/mpeg") as row,
        ):
            db.session.add(row)
            db.session.flush()
            raise RuntimeError("the commit failed")
        assert not current_storage().exists("s/a.mp3")
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_success_keeps_object_and_row(app):
    with app.app_context():
        with store_file("s/b.mp3", io.BytesIO(b"abc"), "audio/mpeg") as row:
            db.session.add(row)
            db.session.commit()
        assert current_storage().size("s/b.mp3") == 3
        stored = db.session.scalar(select(StoredFile))
        assert stored.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_refused_write_raises_storage_unavailable(app, broken_storage):
    app.extensions["storage"] = broken_storage
    with (
        app.app_context(),
        pytest.raises(StorageUnavailable),
        store_file("s/c.mp3", io.BytesIO(b"abc"), "audio/mpeg"),
    ):
        pass
