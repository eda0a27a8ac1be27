"""Turn an uploaded file into what listeners get: normalised, and MP3 where it was a master.

One call, :func:`master_audio`, does it all in at most two passes over the file:

1. measure: ``loudnorm``'s first pass (integrated loudness, true peak, range);
2. decide: a lossy upload already within ±1 LU of the target with an acceptable
   true peak, or one the producer asked not to normalise, is kept byte for byte,
   unless it is a master (WAV, AIFF, FLAC, …) or over the bit-rate ceiling;
3. encode: plain gain when it reaches the target without the peak going over
   (what ``loudnorm``'s linear mode does, but at the file's own rate, so faster),
   otherwise ``loudnorm``'s dynamic second pass; then 44.1 kHz MP3 at a constant
   bit rate, and optionally an AAC or Opus alternate from the same frames;
4. tag: title, artist, cover (APIC) and chapters (CHAP + CTOC) with mutagen.

Apple asks for −16 LUFS and at most −1 dBTP; −19 LUFS for mono. Frames stream
through: memory does not grow with the file's length.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from media.loudness import (
    AudioProblem,
    FilterChain,
    Loudness,
    Progress,
    SourceInfo,
    decoded_frames,
    downmix_filters,
    inspect_source,
    measure_loudness,
    meter_file,
)

__all__ = [
    "ALTERNATE_FORMATS",
    "Action",
    "AudioProblem",
    "Chapter",
    "EncodedAudio",
    "MasteringResult",
    "MasteringSettings",
    "Note",
    "TagsToWrite",
    "master_audio",
]

#: What happened to the file: left as it was, gain changed (and encoded), or only encoded.
Action = Literal["kept", "normalised", "transcoded"]

#: Alternate formats: (codec, container, file extension, MIME type, RFC 6381 codecs).
ALTERNATE_FORMATS: dict[str, tuple[str, str, str, str, str]] = {
    "aac": ("aac", "ipod", "m4a", "audio/x-m4a", "mp4a.40.2"),
    "opus": ("libopus", "ogg", "opus", "audio/ogg", "opus"),
}

_MP3_RATE = 44100
# After encoding, a miss larger than this (LU) in linear mode is corrected by a second encode.
_CORRECTION_THRESHOLD = 0.2
_FLOAT_FORMATS = frozenset({"flt", "fltp", "dbl", "dblp"})
_OPUS_RATE = 48000


@dataclass(frozen=True)
class MasteringSettings:
    """A show's choices, and the service's limits. Defaults follow Apple's guidance."""

    normalise: bool = True
    target_stereo: float = -16.0
    target_mono: float = -19.0
    true_peak: float = -1.0
    #: loudnorm's loudness-range target (LU); wider programmes get its dynamic mode.
    target_lra: float = 11.0
    #: Kept below the true-peak limit when encoding, for the lossy codec's overshoot.
    encode_headroom: float = 0.5
    #: A lossy upload within this many LU of the target is left as it is.
    tolerance: float = 1.0
    mp3_kbps_stereo: int = 128
    mp3_kbps_mono: int = 64
    #: Uploads above this bit rate become MP3 even if they are lossy.
    max_kbps: int = 192
    #: None, "aac" or "opus": an alternate enclosure made from the same frames.
    alternate: str | None = None
    alternate_kbps_stereo: int = 96
    alternate_kbps_mono: int = 48
    #: Longer files are refused before any decoding.
    max_seconds: float = 6 * 3600
    #: Quieter than this (LUFS) is treated as silence, not boosted by 40 dB.
    silence_below: float = -60.0

    def target_for(self, channels: int) -> float:
        """−16 LUFS for stereo, −19 for mono (which players play on both ears)."""
        return self.target_mono if channels == 1 else self.target_stereo


@dataclass(frozen=True)
class Chapter:
    """A chapter to write as ID3 CHAP: start and end in seconds."""

    start: float
    end: float
    title: str
    url: str | None = None


@dataclass(frozen=True)
class TagsToWrite:
    """The episode's own words for the published MP3 (not the upload's tags)."""

    title: str | None = None
    artist: str | None = None
    album: str | None = None
    cover: bytes | None = None
    cover_mime: str = "image/jpeg"
    chapters: Sequence[Chapter] = ()


@dataclass(frozen=True)
class Note:
    """Something the producer should know although nothing failed (``downmixed``, …)."""

    code: Literal["downmixed", "resampled", "dynamic", "not_normalised"]
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EncodedAudio:
    """One file written: the MP3 enclosure or an alternate."""

    path: Path
    mime_type: str
    codecs: str
    bitrate: int
    seconds: float
    role: Literal["enclosure", "alternate"]


@dataclass(frozen=True)
class MasteringResult:
    """What :func:`master_audio` did. ``outputs`` is empty when the file was kept."""

    action: Action
    source: SourceInfo
    before: Loudness
    after: Loudness
    seconds: float
    outputs: tuple[EncodedAudio, ...] = ()
    notes: tuple[Note, ...] = ()


def master_audio(
    source_path: Path,
    workdir: Path,
    settings: MasteringSettings,
    *,
    tags: TagsToWrite | None = None,
    progress: Progress | None = None,
) -> MasteringResult:
    """Measure ``source_path`` and, if needed, write the files to publish into ``workdir``.

    :raise AudioProblem: ``unreadable``, ``no_audio``, ``too_long``, ``truncated``,
        ``silent`` or ``encode_failed``; nothing is left in ``workdir`` then.
    """
    report = _Monotonic(progress)
    source = inspect_source(source_path)
    channels = source.output_channels
    target = settings.target_for(channels)
    limit = settings.true_peak - settings.encode_headroom
    before = measure_loudness(
        source_path,
        source,
        target_i=target,
        target_tp=limit,
        target_lra=settings.target_lra,
        max_seconds=settings.max_seconds,
        progress=lambda share: report(0.45 * share),
    )
    if before.is_silent or before.integrated < settings.silence_below:
        raise AudioProblem("silent", loudness=before.integrated)
    notes = _notes(source, settings)
    must_encode = source.lossless or (source.bit_rate or 0) > settings.max_kbps * 1000
    on_target = (
        abs(before.integrated - target) <= settings.tolerance
        and before.true_peak <= settings.true_peak
    )
    normalise = settings.normalise and not on_target
    if not must_encode and (on_target or not settings.normalise):
        report(1.0)
        seconds = source.declared_seconds or 0.0
        return MasteringResult("kept", source, before, before, seconds, (), notes)

    workdir.mkdir(parents=True, exist_ok=True)
    if not normalise:
        outputs, after = _encode_and_meter(source_path, source, workdir, settings, [], report)
        return MasteringResult(
            "transcoded", source, before, after, after_seconds(outputs), outputs, notes
        )
    gain, dynamic = _gain_filters(before, target, limit, settings.target_lra)
    outputs, after = _encode_and_meter(source_path, source, workdir, settings, gain, report)
    miss = target - after.integrated
    if abs(miss) > _CORRECTION_THRESHOLD:
        # The encoder (or loudnorm's limiter) moved the loudness: aim once more, past it.
        gain, dynamic = _gain_filters(before, target + miss, limit, settings.target_lra)
        outputs, after = _encode_and_meter(source_path, source, workdir, settings, gain, report)
    if dynamic:
        notes = (*notes, Note("dynamic"))
    if tags is not None:
        write_id3(outputs[0].path, tags)
    report(1.0)
    return MasteringResult(
        "normalised", source, before, after, after_seconds(outputs), outputs, notes
    )


class _Monotonic:
    """Progress that never goes back, although a correcting pass repeats work."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.share = 0.0

    def __call__(self, share: float) -> None:
        if self.progress is not None and share > self.share:
            self.share = share
            self.progress(share)


def after_seconds(outputs: tuple[EncodedAudio, ...]) -> float:
    """The published file's length: the enclosure's."""
    return outputs[0].seconds


def _encode_and_meter(
    source_path: Path,
    source: SourceInfo,
    workdir: Path,
    settings: MasteringSettings,
    gain: list[tuple[str, str]],
    report: Progress,
) -> tuple[tuple[EncodedAudio, ...], Loudness]:
    """Encode every output, then measure the enclosure as listeners will decode it."""
    outputs = _encode(
        source_path, source, workdir, settings, gain, lambda share: report(0.45 + 0.4 * share)
    )
    after = meter_file(
        outputs[0].path, settings.max_seconds * 1.01, lambda share: report(0.85 + 0.15 * share)
    )
    return outputs, after


def _notes(source: SourceInfo, settings: MasteringSettings) -> tuple[Note, ...]:
    """What the producer should hear about although it is handled."""
    notes: list[Note] = []
    if source.channels > 2:
        notes.append(Note("downmixed", {"channels": source.channels}))
    high_resolution = source.sample_rate > 48000 or source.sample_format in _FLOAT_FORMATS
    if high_resolution and source.lossless:
        notes.append(Note("resampled", {"rate": source.sample_rate}))
    if not settings.normalise:
        notes.append(Note("not_normalised"))
    return tuple(notes)


def _gain_filters(
    before: Loudness, target: float, limit: float, target_lra: float
) -> tuple[list[tuple[str, str]], bool]:
    """Plain gain when it reaches ``target`` without the peak going over ``limit``.

    That is exactly when ``loudnorm`` would choose its linear mode; applying the
    gain ourselves avoids its upsampling to 192 kHz. Otherwise ``loudnorm``'s
    dynamic second pass, given the first pass's figures. Returns (filters, dynamic).
    """
    offset = target - before.integrated
    if before.true_peak + offset <= limit and before.lra <= target_lra:
        return _volume(offset), False
    measured = (
        f"I={target}:TP={limit}:LRA={target_lra}"
        f":measured_I={before.integrated:.2f}:measured_TP={_finite(before.true_peak):.2f}"
        f":measured_LRA={before.lra:.2f}:measured_thresh={_finite(before.threshold):.2f}"
        ":linear=true:print_format=none"
    )
    return [("loudnorm", measured)], True


def _volume(decibels: float) -> list[tuple[str, str]]:
    """Plain gain, computed in double precision."""
    return [("volume", f"volume={decibels:.2f}dB:precision=double")]


def _finite(value: float) -> float:
    """loudnorm's options refuse infinities (a silent file's peak)."""
    return value if math.isfinite(value) else -99.0


def _encode(
    source_path: Path,
    source: SourceInfo,
    workdir: Path,
    settings: MasteringSettings,
    gain: list[tuple[str, str]],
    progress: Progress,
) -> tuple[EncodedAudio, ...]:
    """The second pass: decode, downmix, gain, 44.1 kHz, and encode every output."""
    import av

    channels = source.output_channels
    layout = "mono" if channels == 1 else "stereo"
    filters = [
        *downmix_filters(source),
        *gain,
        ("aresample", f"{_MP3_RATE}"),
        ("aformat", f"sample_fmts=fltp:channel_layouts={layout}"),
    ]
    writers = [_Writer.mp3(workdir, channels, settings)]
    if settings.alternate in ALTERNATE_FORMATS:
        writers.append(_Writer.alternate(workdir, channels, settings))
    chain: FilterChain | None = None
    samples = 0
    try:
        for frame in decoded_frames(source_path, source, settings.max_seconds, progress):
            if chain is None:
                chain = FilterChain(frame, filters)
            for out in chain.push(frame):
                samples += out.samples
                for writer in writers:
                    writer.write(out)
        if chain is not None:
            for out in chain.push(None):
                samples += out.samples
                for writer in writers:
                    writer.write(out)
            chain.close()
        outputs = tuple(writer.finish(samples / _MP3_RATE) for writer in writers)
    except av.error.FFmpegError as error:
        for writer in writers:
            writer.discard()
        raise AudioProblem("encode_failed", str(error)) from error
    except BaseException:
        for writer in writers:
            writer.discard()
        raise
    return outputs


class _Writer:
    """One encoder and its file; frames already at 44.1 kHz float go in."""

    def __init__(
        self,
        path: Path,
        container: str,
        codec: str,
        rate: int,
        channels: int,
        kbps: int,
        mime_type: str,
        codecs: str,
        role: Literal["enclosure", "alternate"],
    ) -> None:
        import av

        self.path = path
        self.mime_type = mime_type
        self.codecs = codecs
        self.role: Literal["enclosure", "alternate"] = role
        self.bitrate = kbps * 1000
        layout = "mono" if channels == 1 else "stereo"
        self.container: Any = av.open(str(path), "w", format=container)
        self.stream: Any = self.container.add_stream(codec, rate=rate, layout=layout)
        self.stream.bit_rate = self.bitrate
        # Opus only takes 48 kHz; the others take our 44.1 kHz frames as they are.
        self.resampler = (
            av.AudioResampler(format="flt", layout=layout, rate=rate) if rate != _MP3_RATE else None
        )
        self.written = 0

    @classmethod
    def mp3(cls, workdir: Path, channels: int, settings: MasteringSettings) -> _Writer:
        kbps = settings.mp3_kbps_mono if channels == 1 else settings.mp3_kbps_stereo
        return cls(
            workdir / "episode.mp3",
            "mp3",
            "libmp3lame",
            _MP3_RATE,
            channels,
            kbps,
            "audio/mpeg",
            "mp3",
            "enclosure",
        )

    @classmethod
    def alternate(cls, workdir: Path, channels: int, settings: MasteringSettings) -> _Writer:
        codec, container, extension, mime, codecs = ALTERNATE_FORMATS[settings.alternate or ""]
        kbps = settings.alternate_kbps_mono if channels == 1 else settings.alternate_kbps_stereo
        rate = _OPUS_RATE if codec == "libopus" else _MP3_RATE
        return cls(
            workdir / f"episode.{extension}",
            container,
            codec,
            rate,
            channels,
            kbps,
            mime,
            codecs,
            "alternate",
        )

    def write(self, frame: Any) -> None:
        """Encode one frame (PyAV re-chunks it to the codec's frame size)."""
        frames = self.resampler.resample(frame) if self.resampler else [frame]
        for piece in frames:
            piece.pts = self.written
            piece.time_base = Fraction(1, piece.sample_rate)
            self.written += piece.samples
            self.container.mux(self.stream.encode(piece))

    def finish(self, seconds: float) -> EncodedAudio:
        """Flush the encoder and close the file."""
        if self.resampler is not None:
            for piece in self.resampler.resample(None):
                piece.pts = self.written
                piece.time_base = Fraction(1, piece.sample_rate)
                self.written += piece.samples
                self.container.mux(self.stream.encode(piece))
        self.container.mux(self.stream.encode(None))
        self.container.close()
        return EncodedAudio(
            self.path, self.mime_type, self.codecs, self.bitrate, seconds, self.role
        )

    def discard(self) -> None:
        """Close and remove a file that will not be published."""
        with contextlib.suppress(Exception):  # the file is removed either way
            self.container.close()
        self.path.unlink(missing_ok=True)


def write_id3(path: Path, tags: TagsToWrite) -> None:
    """Replace the MP3's ID3 tag with the episode's title, artist, cover and chapters."""
    from mutagen.id3 import APIC, CHAP, CTOC, ID3, TALB, TIT2, TPE1, WXXX, CTOCFlags, PictureType

    id3 = ID3()
    if tags.title:
        id3.add(TIT2(encoding=3, text=tags.title))
    if tags.artist:
        id3.add(TPE1(encoding=3, text=tags.artist))
    if tags.album:
        id3.add(TALB(encoding=3, text=tags.album))
    if tags.cover:
        id3.add(
            APIC(
                encoding=3,
                mime=tags.cover_mime,
                type=PictureType.COVER_FRONT,
                desc="cover",
                data=tags.cover,
            )
        )
    ids = []
    for index, chapter in enumerate(tags.chapters):
        element_id = f"chp{index}"
        ids.append(element_id)
        sub_frames: list[Any] = [TIT2(encoding=3, text=chapter.title)]
        if chapter.url:
            sub_frames.append(WXXX(encoding=3, desc="chapter url", url=chapter.url))
        id3.add(
            CHAP(
                element_id=element_id,
                start_time=round(chapter.start * 1000),
                end_time=round(chapter.end * 1000),
                sub_frames=sub_frames,
            )
        )
    if ids:
        id3.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text="Chapters")],
            )
        )
    id3.save(path, v2_version=4)
