"""Processing an episode's audio end to end: CLI upload, the job, the feed, on both backends.

Real audio (PyAV), real storage (local disk, SeaweedFS), real databases (SQLite,
PostgreSQL); loudness of what the feed serves is read back with pyloudnorm.
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlsplit

import mutagen
import podcastparser
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import EpisodeAudio, StoredFile
from app.processing import FAILED, QUEUED, READY, process_episode_audio, queue_audio
from app.services import editing
from app.services.shows import get_show
from media.mastering import MasteringSettings, master_audio
from tests.app.conftest import stored_keys
from tests.support.programme import integrated_loudness, programme, true_peak


@pytest.fixture
def app_config(app_config: dict) -> dict:
    """The suite's app, with processing on, as production has it."""
    return {**app_config, "AUDIO_PROCESSING": True}


def feed_items(client, show: str) -> list[dict]:
    response = client.get(f"/{show}/feed.xml")
    assert response.status_code == 200
    return podcastparser.parse("feed", io.BytesIO(response.data))["episodes"]


def enclosure_bytes(client, item: dict) -> bytes:
    response = client.get(urlsplit(item["enclosures"][0]["url"]).path)
    assert response.status_code == 200
    return response.data


def add(runner, show: str, path: Path, title: str, *extra: str):
    result = runner.invoke(args=["episodes", "add", show, str(path), "--title", title, *extra])
    assert result.exit_code == 0, result.output
    return result


def test_a_wav_master_is_published_as_an_mp3_at_minus_16(
    app, runner, client, show, tmp_path: Path
) -> None:
    master = programme(tmp_path / "master.wav", 12.0, level=0.03)
    add(runner, show, master, "T", "--publish")
    [item] = feed_items(client, show)
    assert item["enclosures"][0]["mime_type"] == "audio/mpeg"
    published = tmp_path / "published.mp3"
    published.write_bytes(enclosure_bytes(client, item))
    assert integrated_loudness(published) == pytest.approx(-16.0, abs=1.0)
    assert true_peak(published) <= -1.0
    assert mutagen.File(published).info.length == pytest.approx(12.0, abs=0.1)
    with app.app_context():
        row = db.session.scalar(select(EpisodeAudio))
        assert (row.state, row.action, row.reason) == (READY, "normalised", None)
        assert row.loudness_before == pytest.approx(integrated_loudness(master), abs=0.5)
        assert row.master.mime_type == "audio/wav"  # kept for the members
        assert row.master.storage_key in stored_keys(app)


def test_an_mp3_already_at_minus_16_is_published_byte_for_byte(
    app, runner, client, show, tmp_path: Path
) -> None:
    made = master_audio(
        programme(tmp_path / "m.wav", 12.0, level=0.03), tmp_path / "made", MasteringSettings()
    )
    ready = made.outputs[0].path
    add(runner, show, ready, "Klar", "--publish")
    [item] = feed_items(client, show)
    assert enclosure_bytes(client, item) == ready.read_bytes()
    with app.app_context():
        row = db.session.scalar(select(EpisodeAudio))
        assert (row.state, row.action) == (READY, "kept")
        assert row.master_id == row.episode.audio_id


def test_the_feed_leaves_an_episode_out_until_its_audio_is_ready(
    app, runner, client, show, tmp_path: Path
) -> None:
    add(runner, show, programme(tmp_path / "a.wav", 8.0, level=0.03), "A", "--publish")
    seen: list[int] = []
    with app.app_context():
        row = db.session.scalar(select(EpisodeAudio))
        episode_id = row.episode_id
        queue_audio(row.episode, row.master)  # as replacing the audio does
        db.session.commit()
        assert row.state == QUEUED
        assert feed_items(client, show) == []

        def look(share: float) -> None:
            if 0.3 < share < 0.9 and not seen:
                seen.append(len(feed_items(client, show)))

        assert process_episode_audio(episode_id, progress=look) == READY
    assert seen == [0]
    assert len(feed_items(client, show)) == 1


def test_silence_fails_with_a_reason_and_stays_out_of_the_feed(
    app, runner, client, show, tmp_path: Path
) -> None:
    add(runner, show, programme(tmp_path / "s.wav", 6.0, silence=True), "Tyst", "--publish")
    assert feed_items(client, show) == []
    with app.app_context():
        row = db.session.scalar(select(EpisodeAudio))
        assert (row.state, row.reason) == (FAILED, "silent")


def test_an_episode_deleted_while_its_job_runs_ends_cleanly(
    app, runner, client, show, tmp_path: Path
) -> None:
    add(runner, show, programme(tmp_path / "d.wav", 8.0, level=0.03), "D", "--publish")
    with app.app_context():
        row = db.session.scalar(select(EpisodeAudio))
        episode_id = row.episode_id
        queue_audio(row.episode, row.master)
        db.session.commit()

        def delete(share: float) -> None:
            if share > 0.5 and db.session.get(EpisodeAudio, episode_id) is not None:
                editing.delete_episode(get_show(show), episode_id)

        assert process_episode_audio(episode_id, progress=delete) is None
        assert db.session.get(EpisodeAudio, episode_id) is None
        assert not db.session.scalars(
            select(StoredFile).where(StoredFile.mime_type.like("audio/%"))
        ).all()
    # Neither the master, nor the first MP3, nor anything this job made is left in storage.
    assert {k for k in stored_keys(app) if k.endswith((".mp3", ".wav"))} == set()


def test_replacing_the_audio_processes_again_and_removes_the_old_files(
    app, runner, client, show, tmp_path: Path
) -> None:
    add(runner, show, programme(tmp_path / "1.wav", 8.0, level=0.03), "R", "--publish")
    with app.app_context():
        row = db.session.scalar(select(EpisodeAudio))
        old = {row.master.storage_key, row.episode.audio.storage_key}
        episode = row.episode
        with open(programme(tmp_path / "2.wav", 10.0, level=0.02, seed=2), "rb") as file:
            editing.replace_audio(
                get_show(show), episode.id, file, lock_version=episode.lock_version
            )
        row = db.session.scalar(select(EpisodeAudio))
        assert (row.state, row.generation) == (READY, 2)
        assert row.episode.audio.duration == pytest.approx(10.0, abs=0.1)
    assert not old & set(stored_keys(app))
    [item] = feed_items(client, show)
    published = tmp_path / "r.mp3"
    published.write_bytes(enclosure_bytes(client, item))
    assert integrated_loudness(published) == pytest.approx(-16.0, abs=1.0)
