"""Programme-like test audio at a chosen loudness, written with PyAV in one-second pieces.

A pure tone has no loudness range and a fixed peak; a podcast has speech-like
bursts and pauses. This makes noise shaped into syllables, with a slowly
changing level, so the loudness meters and ``loudnorm`` see something like a
voice. Everything is seeded: the same call writes the same samples.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

#: (container, codec) for each format :func:`programme` writes.
FORMATS: dict[str, tuple[str, str]] = {
    "wav": ("wav", "pcm_s16le"),
    "wav-float": ("wav", "pcm_f32le"),
    "aiff": ("aiff", "pcm_s16be"),
    "flac": ("flac", "flac"),
    "mp3": ("mp3", "libmp3lame"),
    "m4a": ("ipod", "aac"),
}

_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}


def programme(
    path: Path,
    seconds: float,
    *,
    level: float = 0.1,
    channels: int = 2,
    rate: int = 44100,
    fmt: str = "wav",
    bit_rate: int = 128_000,
    seed: int = 1,
    silence: bool = False,
    clicks: bool = False,
) -> Path:
    """Write ``seconds`` of speech-like noise; ``level`` is the RMS of the loud parts.

    ``clicks`` adds a near-full-scale click every 2 s: a quiet recording with a
    bumped microphone, which plain gain cannot bring to −16 LUFS under −1 dBTP.

    :param fmt: a key of :data:`FORMATS`.
    """
    import av

    container_name, codec = FORMATS[fmt]
    layout = _LAYOUTS[channels]
    generator = np.random.default_rng(seed)
    with av.open(str(path), "w", format=container_name) as container:
        stream: Any = container.add_stream(codec, rate=rate, layout=layout)
        if codec in {"libmp3lame", "aac"}:
            stream.bit_rate = bit_rate
        total = round(seconds * rate)
        done = 0
        while done < total:
            count = min(rate, total - done)
            block = np.zeros((channels, count), dtype=np.float32)
            if not silence:
                block = _speech(generator, count, rate, channels, level, done)
            if clicks:
                block[:, (np.arange(count) + done) % (2 * rate) < 8] = 0.9
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(block), format="fltp", layout=layout
            )
            frame.sample_rate = rate
            frame.pts = done
            done += count
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@lru_cache(maxsize=8)
def _voice_band(rate: int) -> np.ndarray:
    """150 Hz to 4 kHz: where a voice carries its loudness, and where MP3 keeps it all."""
    from scipy.signal import butter

    return butter(4, (150, 4000), btype="bandpass", fs=rate, output="sos")


def _speech(
    generator: np.random.Generator, count: int, rate: int, channels: int, level: float, at: int
) -> np.ndarray:
    """Noise in 4 Hz syllables with 30 % pauses, a level drifting ±3 dB over a minute."""
    from scipy.signal import sosfilt

    times = (at + np.arange(count)) / rate
    syllables = np.clip(np.sin(2 * np.pi * 4.0 * times), 0, None) ** 2
    pauses = (np.sin(2 * np.pi * 0.37 * times) > -0.45).astype(np.float32)
    drift = 10 ** (3 * np.sin(2 * np.pi * times / 60.0) / 20)
    envelope = syllables * pauses * drift * level * 2.0
    voice = sosfilt(_voice_band(rate), generator.standard_normal(count))
    voice = np.tanh(voice / (np.std(voice) + 1e-9) / 2.0) * 2.0  # a producer's limiter
    mono = np.clip(voice * envelope, -0.99, 0.99)
    spread = np.linspace(1.0, 0.8, channels)[:, None]
    return (mono[None, :] * spread).astype(np.float32)


def decode(path: Path) -> tuple[np.ndarray, int]:
    """The whole file as float samples (samples × channels) and its rate, for the meters."""
    import av

    pieces = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        for frame in container.decode(stream):
            array = frame.to_ndarray()
            scale = 2.0 ** (8 * array.dtype.itemsize - 1) if array.dtype.kind == "i" else 1.0
            channels = frame.layout.nb_channels
            if frame.format.is_planar:
                array = array.reshape(channels, -1)
            else:
                array = array.reshape(-1, channels).T
            pieces.append(array.astype(np.float64) / scale)
    return np.concatenate(pieces, axis=1).T, rate


def integrated_loudness(path: Path) -> float:
    """LUFS by pyloudnorm (BS.1770-4), an implementation independent of FFmpeg's."""
    import pyloudnorm

    data, rate = decode(path)
    return float(pyloudnorm.Meter(rate).integrated_loudness(data))


def true_peak(path: Path) -> float:
    """dBTP: the highest sample after 4× oversampling (BS.1770-4 annex 2), by SciPy."""
    from scipy.signal import resample_poly

    data, _rate = decode(path)
    peak = max(float(np.max(np.abs(resample_poly(column, 4, 1)))) for column in data.T)
    return 20 * np.log10(peak) if peak > 0 else float("-inf")
