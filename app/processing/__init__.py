"""Audio processing (issue 16): loudness and MP3 for every upload, as a queue job.

The work itself is media.mastering (no Flask); this package ties it to episodes,
storage and the feed, and words its outcomes for producers (wording.py).
"""

from app.processing.service import (
    FAILED,
    PROCESSING,
    QUEUED,
    READY,
    audio_ready,
    enqueue_processing,
    master_download,
    process_episode_audio,
    queue_audio,
)

__all__ = [
    "FAILED",
    "PROCESSING",
    "QUEUED",
    "READY",
    "audio_ready",
    "enqueue_processing",
    "master_download",
    "process_episode_audio",
    "queue_audio",
]
