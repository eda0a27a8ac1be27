"""Measure an audio file's loudness (EBU R128 / ITU-R BS.1770-4) with FFmpeg's own filters.

PyAV ships libavfilter, whose ``loudnorm`` filter both measures (the first of its
two passes) and normalises (the second). Measuring with ``loudnorm`` itself,
rather than with another meter, gives the second pass exactly the figures it
expects, including the relative gate threshold that its dynamic mode needs.
``loudnorm`` reports its measurement only in the log when it is torn down, so
the log of this thread is captured for that moment.

Files are read frame by frame: an hour of audio never sits in memory.
Nothing here knows Flask, databases or storage.
"""

from __future__ import annotations

import gc
import json
import math
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "LOSSLESS_CODECS",
    "AudioProblem",
    "Loudness",
    "ProblemCode",
    "Progress",
    "SourceInfo",
    "inspect_source",
    "measure_loudness",
    "meter_file",
]

#: Machine-readable reasons processing refuses a file; the app words them.
ProblemCode = Literal["unreadable", "no_audio", "truncated", "silent", "too_long", "encode_failed"]

#: Called with the share of the work done, 0.0 to 1.0.
Progress = Callable[[float], None]

#: Codecs whose files are masters: published as MP3, never as they are.
LOSSLESS_CODECS: frozenset[str] = frozenset(
    {"flac", "alac", "wavpack", "tta", "ape", "mlp", "truehd", "shorten"}
)

# A file whose header promises this much more audio than it holds was cut short.
_TRUNCATION_RATIO = 0.02
_TRUNCATION_SECONDS = 0.5
# Decoded audio is reported to the progress callback at most this often (share of the file).
_PROGRESS_STEP = 0.01

# PyAV's log settings are process-wide; two threads measuring at once must not undo each other.
_LOG_LEVEL_LOCK = threading.Lock()


class AudioProblem(Exception):
    """A file processing refuses, with a code the app words for the producer."""

    def __init__(self, code: ProblemCode, detail: str = "", **values: Any) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code: ProblemCode = code
        self.detail = detail
        self.values = values


@dataclass(frozen=True)
class Loudness:
    """A BS.1770-4 measurement: integrated loudness (LUFS), true peak (dBTP), range (LU).

    ``threshold`` is the relative gate (LUFS) that ``loudnorm``'s second pass needs.
    """

    integrated: float
    true_peak: float
    lra: float
    threshold: float

    @property
    def is_silent(self) -> bool:
        """Nothing above the absolute gate of −70 LUFS: no programme at all."""
        return not math.isfinite(self.integrated) or self.integrated <= -70.0


@dataclass(frozen=True)
class SourceInfo:
    """What the container and the first audio stream declare, before any decoding."""

    container: str
    codec: str
    channels: int
    sample_rate: int
    sample_format: str
    bit_rate: int | None
    declared_seconds: float | None

    @property
    def lossless(self) -> bool:
        """PCM (WAV, AIFF, …) or a lossless codec: a master, not a publishable file."""
        return self.codec.startswith("pcm_") or self.codec in LOSSLESS_CODECS

    @property
    def output_channels(self) -> int:
        """Mono stays mono; anything with more channels is published as stereo."""
        return 1 if self.channels == 1 else 2


def _open(path: Path) -> Any:
    """Open ``path`` with PyAV, turning its errors into ``unreadable``."""
    import av

    try:
        return av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as error:
        raise AudioProblem("unreadable", str(error)) from error


def inspect_source(path: Path) -> SourceInfo:
    """Read the container's header: codec, channels, rate, bit rate and declared length.

    :raise AudioProblem: ``unreadable`` (a broken header, not audio at all) or
        ``no_audio`` (a container without an audio stream).
    """
    with _open(path) as container:
        if not container.streams.audio:
            raise AudioProblem("no_audio")
        stream = container.streams.audio[0]
        context = stream.codec_context
        if not context.sample_rate or not context.channels:
            raise AudioProblem("unreadable", "no sample rate or channel count")
        declared = _riff_promised_seconds(path)
        if declared is not None:
            pass
        elif stream.duration is not None and stream.time_base is not None:
            declared = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            declared = container.duration / 1_000_000
        return SourceInfo(
            container=container.format.name,
            codec=context.name,
            channels=context.channels,
            sample_rate=context.sample_rate,
            sample_format=context.format.name if context.format else "",
            bit_rate=stream.bit_rate or container.bit_rate or None,
            declared_seconds=declared,
        )


def _riff_promised_seconds(path: Path) -> float | None:
    """The length a WAV header promises: its data chunk's size over the byte rate.

    FFmpeg clamps a WAV's duration to the bytes present, which hides a cut-off
    upload; the header's own figure does not. None for other files, and for
    sizes that mean "unknown" (0 or 0xFFFFFFFF, as streaming recorders write).
    """
    with open(path, "rb") as file:
        head = file.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        byte_rate = 0
        while True:
            chunk = file.read(8)
            if len(chunk) < 8:
                return None
            kind, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if kind == b"fmt ":
                fmt = file.read(size + (size & 1))
                if len(fmt) < 12:
                    return None
                byte_rate = struct.unpack("<I", fmt[8:12])[0]
            elif kind == b"data":
                if not byte_rate or size in (0, 0xFFFFFFFF):
                    return None
                return size / byte_rate
            else:
                file.seek(size + (size & 1), 1)


def decoded_frames(
    path: Path,
    source: SourceInfo,
    max_seconds: float,
    progress: Progress | None = None,
) -> Iterator[Any]:
    """Yield the first audio stream's decoded frames, checking length as they come.

    Counts samples rather than trusting timestamps, and raises at the end if the
    file held noticeably less audio than its header promised.

    :raise AudioProblem: ``unreadable`` (a decoder error mid-file), ``too_long``
        (more than ``max_seconds`` decoded) or ``truncated``.
    """
    import av

    if source.declared_seconds is not None and source.declared_seconds > max_seconds:
        raise AudioProblem("too_long", seconds=source.declared_seconds, limit=max_seconds)
    expected = source.declared_seconds or 0.0
    samples = 0
    reported = 0.0
    with _open(path) as container:
        stream = container.streams.audio[0]
        try:
            for frame in container.decode(stream):
                samples += frame.samples
                seconds = samples / frame.sample_rate
                if seconds > max_seconds:
                    raise AudioProblem("too_long", seconds=seconds, limit=max_seconds)
                if progress is not None and expected:
                    share = min(1.0, seconds / expected)
                    if share - reported >= _PROGRESS_STEP:
                        reported = share
                        progress(share)
                yield frame
        except av.error.FFmpegError as error:
            raise AudioProblem("unreadable", str(error)) from error
    decoded = samples / source.sample_rate
    if samples == 0:
        raise AudioProblem("no_audio")
    if source.declared_seconds is not None:
        missing = source.declared_seconds - decoded
        if missing > max(_TRUNCATION_SECONDS, source.declared_seconds * _TRUNCATION_RATIO):
            raise AudioProblem("truncated", seconds=decoded, declared=source.declared_seconds)


class FilterChain:
    """A libavfilter graph fed frame by frame: abuffer → filters → abuffersink.

    Frames go in one at a time and whatever the filters have ready comes out,
    so the graph holds only its own small buffers (``loudnorm`` keeps 3 s).
    """

    def __init__(self, first: Any, filters: list[tuple[str, str]]) -> None:
        import av

        self._av = av
        self.graph = av.filter.Graph()
        layout = first.layout.name
        node = self.graph.add_abuffer(
            format=first.format.name,
            sample_rate=first.sample_rate,
            # WAV may leave the layout unnamed ("1 channels"): then only the count.
            layout=None if layout.endswith(" channels") else layout,
            channels=first.layout.nb_channels,
            time_base=first.time_base or f"1/{first.sample_rate}",
        )
        for name, args in filters:
            following = self.graph.add(name, args)
            node.link_to(following)
            node = following
        sink = self.graph.add("abuffersink")
        node.link_to(sink)
        self.graph.configure()

    def push(self, frame: Any | None) -> Iterator[Any]:
        """Feed one frame (None: the end) and yield every frame the graph has ready."""
        self.graph.push(frame)
        while True:
            try:
                yield self.graph.pull()
            except (self._av.BlockingIOError, self._av.EOFError):
                return

    def close(self) -> None:
        """Free the graph now: ``loudnorm`` writes its report when it is torn down."""
        self.graph = None
        gc.collect()


def downmix_filters(source: SourceInfo) -> list[tuple[str, str]]:
    """More than two channels (a 5.1 mix) become stereo before anything is measured."""
    if source.channels > 2:
        return [("aformat", "channel_layouts=stereo")]
    return []


def measure_loudness(
    path: Path,
    source: SourceInfo,
    *,
    target_i: float,
    target_tp: float,
    target_lra: float,
    max_seconds: float,
    progress: Progress | None = None,
) -> Loudness:
    """The first ``loudnorm`` pass over the whole file (after any downmix).

    :raise AudioProblem: as :func:`decoded_frames`, or ``unreadable`` if
        ``loudnorm`` reported nothing.
    """
    loudnorm = f"I={target_i}:TP={target_tp}:LRA={target_lra}:print_format=json"
    chain: FilterChain | None = None
    try:
        for frame in decoded_frames(path, source, max_seconds, progress):
            if chain is None:
                chain = FilterChain(frame, [*downmix_filters(source), ("loudnorm", loudnorm)])
            for _ in chain.push(frame):
                pass
        if chain is None:
            raise AudioProblem("no_audio")
        for _ in chain.push(None):
            pass
    except BaseException:
        if chain is not None:
            chain.close()  # now, so its report cannot land in another measurement's log
        raise
    return _parse_report(_teardown_report(chain))


def _teardown_report(chain: FilterChain) -> str:
    """Free the graph while this thread's log is captured; return ``loudnorm``'s words."""
    import av.logging

    gc.collect()  # graphs others left for the collector report now, while no one listens
    with _LOG_LEVEL_LOCK:
        before, skipping = av.logging.get_level(), av.logging.get_skip_repeated()
        av.logging.set_level(av.logging.INFO)
        # PyAV drops a message equal to the one before: the same file measured twice.
        av.logging.set_skip_repeated(False)
        try:
            with av.logging.Capture(local=True) as logs:
                chain.close()
        finally:
            av.logging.set_skip_repeated(skipping)
            av.logging.set_level(before)
    return "".join(message for _level, name, message in logs if name == "loudnorm")


def _parse_report(report: str) -> Loudness:
    """Read ``loudnorm``'s JSON report (its values are strings, "-inf" for silence)."""
    start, end = report.rfind("{"), report.rfind("}")
    if start < 0 or end < start:
        raise AudioProblem("unreadable", "loudnorm reported no measurement")
    values = json.loads(report[start : end + 1])
    return Loudness(
        integrated=float(values["input_i"]),
        true_peak=float(values["input_tp"]),
        lra=float(values["input_lra"]),
        threshold=float(values["input_thresh"]),
    )


def meter_file(path: Path, max_seconds: float, progress: Progress | None = None) -> Loudness:
    """Measure a finished file with ``ebur128`` (the check after encoding).

    A lossy encoder shifts loudness a little (MP3 at 128 kbps by up to half a LU on
    broadband material), so what listeners get is measured, not assumed.

    :raise AudioProblem: as :func:`decoded_frames`.
    """
    source = inspect_source(path)
    chain: FilterChain | None = None
    result: Loudness | None = None
    try:
        for frame in decoded_frames(path, source, max_seconds, progress):
            if chain is None:
                chain = FilterChain(frame, [("ebur128", "metadata=1:peak=true")])
            for out in chain.push(frame):
                result = read_ebur128(out) or result
        if chain is not None:
            for out in chain.push(None):
                result = read_ebur128(out) or result
    finally:
        if chain is not None:
            chain.close()
    if result is None:
        raise AudioProblem("no_audio")
    return result


def read_ebur128(frame: Any) -> Loudness | None:
    """The running measurement ``ebur128=metadata=1:peak=true`` attaches to a frame."""
    metadata = frame.metadata
    if "lavfi.r128.I" not in metadata:
        return None
    peak = float(metadata.get("lavfi.r128.true_peak", "0") or 0)
    return Loudness(
        integrated=float(metadata["lavfi.r128.I"]),
        true_peak=20 * math.log10(peak) if peak > 0 else -math.inf,
        lra=float(metadata.get("lavfi.r128.LRA", "0")),
        threshold=math.nan,
    )
