"""Audio processing of an episode: measure, normalise, make the MP3, swap it in with one commit.

Every upload (the studio, the CLI's ``episodes add``, replacing the audio)
records its file as the episode's *master* and queues processing
(:func:`queue_audio` in the caller's transaction, :func:`enqueue_processing`
after its commit). :func:`process_episode_audio` is the job, safe to run again
and from any process:

- the derived files are stored under new keys before anything points at them,
  and one commit makes them the episode's audio (a crash in between leaves
  objects no row names, which the storage sweep removes);
- the files they replace are deleted only after that commit;
- ``generation`` is checked at every progress report and under a row lock at the
  end, so a job whose episode was deleted or given new audio meanwhile stops and
  removes what it stored, instead of publishing audio nobody wants.

An episode whose audio is not ready stays out of the feed (:func:`audio_ready`).
"""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from sqlalchemy import exists, select, update

from app.extensions import db
from app.models import AlternateEnclosure, Episode, EpisodeAudio, Show, StoredFile
from app.services.feed_cache import mark_stale
from app.services.files import delete_stored_quietly
from app.storage import current_storage
from media.loudness import AudioProblem
from media.mastering import (
    Chapter,
    EncodedAudio,
    MasteringResult,
    MasteringSettings,
    TagsToWrite,
    master_audio,
)
from media.storage import ObjectNotFound, StorageError

log = logging.getLogger(__name__)

QUEUED, PROCESSING, READY, FAILED = "queued", "processing", "ready", "failed"
STATES = (QUEUED, PROCESSING, READY, FAILED)
# Reasons beyond media.loudness.ProblemCode: the master vanished, storage refused, a bug.
MASTER_MISSING, STORAGE, INTERNAL = "master_missing", "storage", "internal"
# Progress is written to the database at most this often (seconds).
PROGRESS_EVERY = 1.0

Progress = Callable[[float], None]


class JobCancelled(Exception):
    """The episode was deleted, or given new audio, while its job ran."""


def audio_ready():
    """SQL: the episode has no audio on its way (no row, or a ready one): feeds may list it."""
    return ~exists(
        select(EpisodeAudio.episode_id).where(
            EpisodeAudio.episode_id == Episode.id, EpisodeAudio.state != READY
        )
    )


def processing_enabled() -> bool:
    """``AUDIO_PROCESSING=0`` publishes uploads as they are (and the test suite's default)."""
    return bool(current_app.config.get("AUDIO_PROCESSING", True))


def queue_audio(episode: Episode, master: StoredFile, *, normalise: bool | None = None) -> None:
    """Make ``master`` the episode's master and queue its processing (caller commits).

    The episode's published audio is the master until the job swaps in what it
    makes; the feed leaves the episode out until then. ``normalise`` None keeps
    the producer's earlier per-episode choice (on for a new episode).
    """
    if not processing_enabled():
        return
    row = episode.audio_processing
    if row is None:
        episode.audio_processing = EpisodeAudio(
            master=master, normalise=True if normalise is None else normalise, notes=[]
        )
        return
    row.master = master
    row.alternate = None  # the old audio's alternate goes with it (the caller removes it)
    row.generation += 1
    row.state, row.progress, row.reason, row.action, row.notes = QUEUED, 0.0, None, None, []
    row.loudness_after = row.true_peak_after = None
    if normalise is not None:
        row.normalise = normalise


def enqueue_processing(episode_id: int) -> None:
    """Hand the job to the task queue (app.jobs, job ``process_audio``), after the commit.

    Where the queue is not installed (this branch before the jobs branch is
    merged), the job runs here and now. Either way a failure is recorded on the
    episode's audio row and logged, never raised to the upload: the upload
    itself succeeded, and the studio shows what became of its audio.
    """
    if not processing_enabled():
        return
    try:
        from app.jobs import enqueue  # type: ignore[import-not-found]
    except ImportError:
        enqueue = None
    try:
        if enqueue is not None:
            enqueue("process_audio", episode_id=episode_id)
        else:
            process_episode_audio(episode_id)
    except Exception:  # the row stays queued or failed; the studio says which
        db.session.rollback()
        log.exception("processing the audio of episode %s failed", episode_id)


def settings_for(show: Show, normalise: bool) -> MasteringSettings:
    """The show's choices and the service's limits, as media.mastering wants them."""
    config = current_app.config
    return MasteringSettings(
        normalise=show.audio_normalise and normalise,
        mp3_kbps_stereo=show.audio_mp3_kbps_stereo,
        mp3_kbps_mono=show.audio_mp3_kbps_mono,
        alternate=show.audio_alternate,
        max_kbps=int(config.get("AUDIO_MAX_KBPS", 192)),
        max_seconds=float(config.get("AUDIO_MAX_SECONDS", 6 * 3600)),
    )


def process_episode_audio(episode_id: int, progress: Progress | None = None) -> str | None:
    """Process the episode's master; return the state it ended in (None: nothing to do).

    :raise StorageError: only for a storage failure while storing the results,
        after recording it; a queue may retry.
    """
    row = db.session.get(EpisodeAudio, episode_id)
    if row is None or row.state == READY:
        return None if row is None else READY
    generation, master_key = row.generation, row.master.storage_key
    episode = row.episode
    settings = settings_for(episode.show, row.normalise)
    tags = _tags(episode)
    row.state, row.progress, row.reason = PROCESSING, 0.0, None
    db.session.commit()
    with tempfile.TemporaryDirectory(prefix="podhost-audio-") as scratch:
        folder = Path(scratch)
        try:
            source = _download(master_key, folder)
            result = master_audio(
                source,
                folder / "out",
                settings,
                tags=tags,
                progress=_Reporter(episode_id, generation, progress),
            )
        except JobCancelled:
            db.session.rollback()
            log.info("episode %s: audio job stopped, the episode changed meanwhile", episode_id)
            return None
        except AudioProblem as problem:
            return _fail(episode_id, generation, problem.code, problem.values)
        except ObjectNotFound:
            return _fail(episode_id, generation, MASTER_MISSING)
        except StorageError:
            _fail(episode_id, generation, STORAGE)
            raise
        except Exception:
            _fail(episode_id, generation, INTERNAL)
            raise
        target = settings.target_for(result.source.output_channels)
        return _publish(episode_id, generation, result, target)


class _Reporter:
    """Writes progress to the row now and then, and notices when the job is no longer wanted."""

    def __init__(self, episode_id: int, generation: int, also: Progress | None) -> None:
        self.episode_id, self.generation, self.also = episode_id, generation, also
        self.last = 0.0

    def __call__(self, share: float) -> None:
        if self.also is not None:
            self.also(share)
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY and share < 1.0:
            return
        self.last = now
        changed = db.session.execute(
            update(EpisodeAudio)
            .where(
                EpisodeAudio.episode_id == self.episode_id,
                EpisodeAudio.generation == self.generation,
            )
            .values(progress=round(share, 3))
        ).rowcount
        db.session.commit()
        if not changed:
            raise JobCancelled


def _download(key: str, folder: Path) -> Path:
    """The master into a local file: PyAV reads it twice and seeks in it."""
    path = folder / "master"
    with current_storage().open(key) as stream, open(path, "wb") as file:
        shutil.copyfileobj(stream, file, 1024 * 1024)
    return path


def _tags(episode: Episode) -> TagsToWrite:
    """The episode's own title, the show's author and name, its cover, and its chapters."""
    show = episode.show
    cover = episode.image or show.image
    cover_bytes = None
    if cover is not None and cover.mime_type in ("image/jpeg", "image/png"):
        try:
            with current_storage().open(cover.storage_key) as stream:
                cover_bytes = stream.read()
        except StorageError:
            log.warning("cover %s unreadable; the MP3 goes without", cover.storage_key)
    marks = list(episode.chapters)
    ends = [c.start_seconds for c in marks[1:]] + [episode.audio.duration or 0.0]
    chapters = tuple(
        Chapter(c.start_seconds, max(c.start_seconds, end), c.title, c.url)
        for c, end in zip(marks, ends, strict=False)  # without chapters, ends has one
    )
    return TagsToWrite(
        title=episode.title,
        artist=show.author,
        album=show.title,
        cover=cover_bytes,
        cover_mime=cover.mime_type if cover_bytes and cover else "image/jpeg",
        chapters=chapters,
    )


def _fail(episode_id: int, generation: int, reason: str, values: dict | None = None) -> str | None:
    """Record a refusal (its figures as a note) on the row, unless the row moved on."""
    db.session.rollback()
    figures = {
        k: float(v)
        for k, v in (values or {}).items()
        if isinstance(v, int | float) and math.isfinite(v)  # JSON has no infinities
    }
    changed = db.session.execute(
        update(EpisodeAudio)
        .where(EpisodeAudio.episode_id == episode_id, EpisodeAudio.generation == generation)
        .values(
            state=FAILED, reason=reason, progress=0.0, notes=[{"code": reason, "values": figures}]
        )
    ).rowcount
    db.session.commit()
    log.info("episode %s: audio refused (%s)", episode_id, reason)
    return FAILED if changed else None


def _store(show_slug: str, encoded: EncodedAudio, original: str | None) -> StoredFile:
    """One output under a new key, with its row (not yet committed)."""
    from media.probe import probe_audio

    with open(encoded.path, "rb") as file:
        info = probe_audio(file)
        key = f"{show_slug}/{uuid.uuid4().hex}{info.extension}"
        saved = current_storage().save(key, file, encoded.mime_type)
    return StoredFile(
        storage_key=saved.key,
        size=saved.size,
        sha256=saved.sha256,
        mime_type=encoded.mime_type,
        duration=info.duration,
        original_filename=original,
    )


def _publish(
    episode_id: int, generation: int, result: MasteringResult, target: float
) -> str | None:
    """Store the outputs under new keys, then swap them in with one commit.

    :raise StorageError: when storage refuses an output; what was stored is removed.
    """
    episode = db.session.get(Episode, episode_id)
    if episode is None:
        return None
    slug = episode.show.slug
    stored: list[tuple[EncodedAudio, StoredFile]] = []
    try:
        for encoded in result.outputs:
            original = episode.audio_processing.master.original_filename
            stored.append((encoded, _store(slug, encoded, original)))
    except BaseException:
        db.session.rollback()
        delete_stored_quietly([row.storage_key for _, row in stored])
        raise
    new_keys = [row.storage_key for _, row in stored]
    row = db.session.scalar(
        select(EpisodeAudio)
        .where(EpisodeAudio.episode_id == episode_id, EpisodeAudio.generation == generation)
        .with_for_update()
    )
    if row is None or row.state == READY:  # deleted, replaced, or another worker finished
        db.session.rollback()
        delete_stored_quietly(new_keys)
        return None
    episode = row.episode
    old_files: list[StoredFile] = []
    if episode.audio_id != row.master_id:
        old_files.append(episode.audio)
    if row.alternate is not None:
        old_files.append(row.alternate.file)
        episode.alternate_enclosures.remove(row.alternate)
        row.alternate = None
    enclosure = next((s for e, s in stored if e.role == "enclosure"), None)
    episode.audio = enclosure or row.master
    for encoded, file in stored:
        if encoded.role == "alternate":
            alternate = AlternateEnclosure(
                file=file, bitrate=encoded.bitrate, codecs=encoded.codecs
            )
            episode.alternate_enclosures.append(alternate)
            row.alternate = alternate
    _record(row, result, target)
    db.session.flush()
    for old in old_files:
        if old.id not in (episode.audio_id, row.master_id):
            db.session.delete(old)
    mark_stale(db.session, {episode.show_id})
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        delete_stored_quietly(new_keys)
        raise
    delete_stored_quietly([f.storage_key for f in old_files])
    return READY


def _record(row: EpisodeAudio, result: MasteringResult, target: float) -> None:
    """What was measured and done, for the studio to say in words."""
    row.state, row.progress, row.reason = READY, 1.0, None
    row.action = result.action
    row.notes = [{"code": note.code, "values": note.values} for note in result.notes]
    row.loudness_before = _finite(result.before.integrated)
    row.true_peak_before = _finite(result.before.true_peak)
    row.range_before = _finite(result.before.lra)
    row.loudness_after = _finite(result.after.integrated)
    row.true_peak_after = _finite(result.after.true_peak)
    row.channels = result.source.channels
    row.sample_rate = result.source.sample_rate
    row.target = target


def _finite(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None


def master_download(episode: Episode) -> StoredFile | None:
    """The file as uploaded, for the show's members (None for episodes made before processing)."""
    row = episode.audio_processing
    return row.master if row is not None else None


__all__ = [
    "FAILED",
    "PROCESSING",
    "QUEUED",
    "READY",
    "STATES",
    "JobCancelled",
    "audio_ready",
    "enqueue_processing",
    "master_download",
    "process_episode_audio",
    "queue_audio",
]
