"""app.services.editing: other formats of an episode's audio (podcast:alternateEnclosure).

The studio and the command line (``feed_extras.add_alternate_enclosure``) share
the checks; both are exercised here with real audio, on both backends. A
failed commit must leave neither a row nor an object.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import AlternateEnclosure, Episode, utcnow
from app.services import editing, feed_extras
from app.services.episodes import add_episode
from app.services.errors import Forbidden, InvalidInput, NotFound, UnsupportedMedia
from app.services.shows import get_show
from media.synth import synthesize
from tests.app.conftest import row_counts, stored_keys


@pytest.fixture
def episode_id(app, show, audio_dir) -> int:
    """A draft with the 3-second MP3."""
    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as stream:
        return add_episode(show, stream, title="Avsnitt ett", publish=False).id


def state(app) -> tuple:
    with app.app_context():
        alternates = db.session.query(AlternateEnclosure).count()
    return row_counts(app), alternates, stored_keys(app)


def studio_add(app, show, episode_id, content: bytes, **options):
    """The studio's way in, as an editor, with the episode's current lock version."""
    with app.app_context():
        episode = db.session.get(Episode, episode_id)
        alternate = editing.add_alternate_enclosure(
            get_show(show),
            episode_id,
            io.BytesIO(content),
            lock_version=episode.lock_version,
            editor=options.pop("editor", True),
            **options,
        )
        return alternate.id, alternate.file.storage_key


def cli_add(app, show, episode_id, content: bytes, **options):
    """The command line's way in, by slugs."""
    with app.app_context():
        slug = db.session.get(Episode, episode_id).slug
        alternate = feed_extras.add_alternate_enclosure(show, slug, io.BytesIO(content), **options)
        return alternate.id, alternate.file.storage_key


WAYS_IN = {"studio": (studio_add, "alternate"), "cli": (cli_add, "audio")}


@pytest.mark.parametrize("way", sorted(WAYS_IN))
def test_both_ways_in_share_the_checks(app, show, episode_id, audio_dir, tmp_path, way):
    add, field = WAYS_IN[way]
    opus = (audio_dir / "tone.opus").read_bytes()
    _, key = add(app, show, episode_id, opus, title="Opus")
    assert key.endswith(".opus") and key in stored_keys(app)
    before = state(app)
    refusals = [
        (UnsupportedMedia, b"\x00" * 5000),
        (InvalidInput, (audio_dir / "tone.mp3").read_bytes()),  # the main audio's type
        (InvalidInput, opus),  # a format the episode already has
        (InvalidInput, synthesize(tmp_path / "l.m4a", "m4a", seconds=5.5).read_bytes()),
    ]
    for error, content in refusals:
        with pytest.raises(error) as refused:
            add(app, show, episode_id, content)
        assert refused.value.field == field
    assert state(app) == before


def test_a_failed_commit_leaves_no_row_and_no_object(app, show, episode_id, audio_dir):
    before = state(app)

    def refuse(session):
        raise RuntimeError("the database went away")

    with app.app_context():
        lock = db.session.get(Episode, episode_id).lock_version
        event.listen(db.session(), "before_commit", refuse)
        with pytest.raises(RuntimeError):
            editing.add_alternate_enclosure(
                get_show(show),
                episode_id,
                io.BytesIO((audio_dir / "tone.opus").read_bytes()),
                lock_version=lock,
                editor=True,
            )
    assert state(app) == before
    with app.app_context():
        assert db.session.get(Episode, episode_id).lock_version == lock


def test_remove_deletes_row_file_row_and_object(app, show, episode_id, audio_dir):
    before = state(app)
    alternate_id, key = studio_add(app, show, episode_id, (audio_dir / "tone.m4a").read_bytes())
    with app.app_context():
        lock = db.session.get(Episode, episode_id).lock_version
        name = editing.remove_alternate_enclosure(
            get_show(show), episode_id, alternate_id, lock_version=lock, editor=True
        )
        assert name == "AAC (audio/x-m4a)"  # named by its codec, for the flash message
        assert db.session.get(Episode, episode_id).lock_version == lock + 1
    assert state(app) == before
    assert key not in stored_keys(app)


def test_a_failed_removal_keeps_row_and_object(app, show, episode_id, audio_dir):
    alternate_id, key = studio_add(app, show, episode_id, (audio_dir / "tone.m4a").read_bytes())
    before = state(app)

    def refuse(session):
        raise RuntimeError("the database went away")

    with app.app_context():
        lock = db.session.get(Episode, episode_id).lock_version
        event.listen(db.session(), "before_commit", refuse)
        with pytest.raises(RuntimeError):
            editing.remove_alternate_enclosure(
                get_show(show), episode_id, alternate_id, lock_version=lock, editor=True
            )
        db.session.rollback()
    assert state(app) == before
    assert key in stored_keys(app)


def test_an_unknown_format_is_not_found(app, show, episode_id):
    with app.app_context():
        lock = db.session.get(Episode, episode_id).lock_version
        with pytest.raises(NotFound):
            editing.remove_alternate_enclosure(
                get_show(show), episode_id, 999, lock_version=lock, editor=True
            )


def test_an_author_may_not_change_a_public_episode(app, show, episode_id, audio_dir):
    alternate_id, _ = studio_add(
        app, show, episode_id, (audio_dir / "tone.opus").read_bytes(), editor=False
    )
    with app.app_context():
        db.session.get(Episode, episode_id).published_at = utcnow()
        db.session.commit()
    before = state(app)
    with pytest.raises(Forbidden):
        studio_add(app, show, episode_id, (audio_dir / "tone.m4a").read_bytes(), editor=False)
    with app.app_context(), pytest.raises(Forbidden):
        lock = db.session.get(Episode, episode_id).lock_version
        editing.remove_alternate_enclosure(
            get_show(show), episode_id, alternate_id, lock_version=lock, editor=False
        )
    assert state(app) == before
