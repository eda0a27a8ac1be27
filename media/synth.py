"""Make real, short audio files: the demo show's episodes and the test suite's inputs.

The files are encoded by real encoders (PyAV's FFmpeg build, or ``oggenc``)
so that everything downstream — probing, storage, feeds, players — sees the
same kind of bytes a producer would upload. PyAV is an optional dependency
(the ``demo`` and ``test`` extras), so it is imported only when a file is made.
"""

from __future__ import annotations

import array
import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Formats :func:`synthesize` can write; "ogg" means Ogg Vorbis and needs ``oggenc``.
FORMATS: tuple[str, ...] = ("mp3", "m4a", "opus", "ogg", "flac", "wav")

# The melody: a rising and falling major arpeggio, as ratios of the base frequency.
_MELODY: tuple[float, ...] = (1.0, 5 / 4, 3 / 2, 2.0, 3 / 2, 5 / 4)
_NOTE_SECONDS = 0.5
_AMPLITUDE = 0.3  # of full scale: audible, far from clipping after lossy encoding
_FADE_SECONDS = 0.01  # per-note attack/release, so notes join without clicks
_FRAME_SAMPLES = 4096  # samples per channel handed to the encoder at a time
_MIN_FREQUENCY = 20.0
_MAX_FREQUENCY = 4000.0  # the top note (2x) must stay well below 24 kHz Nyquist


class SynthesisUnavailable(RuntimeError):
    """A tool needed for the requested format is missing on this machine."""


@dataclass(frozen=True)
class _Recipe:
    """How one format is encoded: codec, container and stream parameters."""

    codec: str
    container: str
    sample_rate: int
    channels: int
    bit_rate: int | None = None
    options: tuple[tuple[str, str], ...] = ()


# Mixed sample rates and channel counts on purpose, so tests see both kinds.
_RECIPES: dict[str, _Recipe] = {
    "mp3": _Recipe("libmp3lame", "mp3", 44100, 2, 128_000),
    # faststart puts the index (moov) first, as podcast players prefer.
    "m4a": _Recipe("aac", "ipod", 44100, 2, 96_000, (("movflags", "faststart"),)),
    "opus": _Recipe("libopus", "ogg", 48000, 2, 64_000),
    "flac": _Recipe("flac", "flac", 48000, 1),
    "wav": _Recipe("pcm_s16le", "wav", 44100, 1),
}


def synthesize(path: Path, fmt: str, seconds: float = 3.0, frequency: float = 440.0) -> Path:
    """Write ``seconds`` of a short melody starting on ``frequency`` Hz to ``path``.

    The file appears whole or not at all (it is written next to ``path`` and
    renamed), so an interrupted demo seed never leaves half a file behind.

    :param fmt: one of :data:`FORMATS`.
    :raise ValueError: for an unknown format or unusable seconds/frequency.
    :raise SynthesisUnavailable: for "ogg" when ``oggenc`` is not installed.
    :return: ``path``, for chaining.
    """
    _check_arguments(fmt, seconds, frequency)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".synth-") as scratch:
        partial = Path(scratch) / f"partial.{fmt}"
        if fmt == "ogg":
            _encode_vorbis(partial, seconds, frequency, Path(scratch))
        else:
            _encode_with_pyav(partial, _RECIPES[fmt], seconds, frequency)
        os.replace(partial, path)
    return path


def _check_arguments(fmt: str, seconds: float, frequency: float) -> None:
    """Fail early with a plain message, rather than deep inside an encoder."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown audio format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"seconds must be a positive number, not {seconds!r}")
    if not _MIN_FREQUENCY <= frequency <= _MAX_FREQUENCY:
        raise ValueError(
            f"frequency must be between {_MIN_FREQUENCY:g} and {_MAX_FREQUENCY:g} Hz, "
            f"not {frequency!r}"
        )


def _encode_with_pyav(path: Path, recipe: _Recipe, seconds: float, frequency: float) -> None:
    """Encode the melody with PyAV; it converts our s16 frames to the codec's format."""
    try:
        import av  # optional dependency: only the demo and tests make audio
    except ImportError as error:  # pragma: no cover - depends on the install
        raise SynthesisUnavailable(
            "making audio needs PyAV: pip install 'podhost[demo]'"
        ) from error

    layout = "stereo" if recipe.channels == 2 else "mono"
    options = dict(recipe.options)
    with av.open(
        str(path), mode="w", format=recipe.container, container_options=options
    ) as container:
        stream: Any = container.add_stream(recipe.codec, rate=recipe.sample_rate, layout=layout)
        if recipe.bit_rate is not None:
            stream.bit_rate = recipe.bit_rate
        written = 0
        for chunk in _pcm_chunks(seconds, frequency, recipe.sample_rate, recipe.channels):
            samples = len(chunk) // recipe.channels
            frame = av.AudioFrame(format="s16", layout=layout, samples=samples)
            frame.planes[0].update(chunk.tobytes())
            frame.sample_rate = recipe.sample_rate
            frame.pts = written
            written += frame.samples
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))  # flush the encoder's delayed packets


def _encode_vorbis(path: Path, seconds: float, frequency: float, scratch: Path) -> None:
    """Encode Ogg Vorbis with ``oggenc``: the PyAV wheel lacks libvorbis, and
    FFmpeg's native vorbis encoder writes wrong durations."""
    oggenc = shutil.which("oggenc")
    if oggenc is None:
        raise SynthesisUnavailable(
            "making Ogg Vorbis needs the oggenc program (Debian/Ubuntu: apt install vorbis-tools)"
        )
    wav = scratch / "source.wav"
    _encode_with_pyav(wav, _RECIPES["wav"], seconds, frequency)
    result = subprocess.run(
        [oggenc, "--quiet", "--quality", "1", "--output", str(path), str(wav)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:  # its chatter on success (e.g. "Skipping chunk") is noise
        raise RuntimeError(f"oggenc failed ({result.returncode}): {result.stderr.strip()}")


def _pcm_chunks(
    seconds: float, frequency: float, sample_rate: int, channels: int
) -> Iterator[array.array[int]]:
    """Yield interleaved signed 16-bit samples, a few thousand frames at a time.

    Whole notes are computed once and reused, so an hour-long file costs no
    more arithmetic than a three-second one, and memory stays small.
    """
    total = round(seconds * sample_rate)
    note_length = round(_NOTE_SECONDS * sample_rate)
    pending = array.array("h")
    made, note = 0, 0
    while made < total:
        length = min(note_length, total - made)
        ratio = _MELODY[note % len(_MELODY)]
        pending.extend(_note(frequency * ratio, length, sample_rate, channels))
        made += length
        note += 1
        step = _FRAME_SAMPLES * channels
        while len(pending) >= step:
            yield pending[:step]
            del pending[:step]
    if pending:
        yield pending


@lru_cache(maxsize=32)
def _note(frequency: float, length: int, sample_rate: int, channels: int) -> array.array[int]:
    """One enveloped sine note, interleaved for ``channels`` (cached: notes repeat)."""
    fade = max(1, min(round(_FADE_SECONDS * sample_rate), length // 2))
    peak = _AMPLITUDE * 32767
    step = 2 * math.pi * frequency / sample_rate
    samples = array.array("h")
    for index in range(length):
        envelope = min(1.0, index / fade, (length - 1 - index) / fade)
        value = int(peak * envelope * math.sin(step * index))
        samples.extend((value,) * channels)
    return samples
