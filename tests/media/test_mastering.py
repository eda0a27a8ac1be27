"""master_audio on real audio made with PyAV, checked by meters independent of FFmpeg.

Loudness is read back with pyloudnorm (BS.1770-4) and true peak by 4× oversampling
with SciPy; durations by mutagen, the library the feed takes them from.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import mutagen
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import BitrateMode

from media.loudness import AudioProblem, inspect_source, measure_loudness
from media.mastering import (
    Chapter,
    MasteringResult,
    MasteringSettings,
    TagsToWrite,
    master_audio,
)
from media.probe import probe_audio
from tests.support import audio
from tests.support.programme import integrated_loudness, programme, true_peak

SECONDS = 12.0
DEFAULTS = MasteringSettings()


def master(
    source: Path, workdir: Path, settings: MasteringSettings = DEFAULTS, **kwargs
) -> tuple[MasteringResult, list[float]]:
    """Run master_audio and keep every progress report."""
    shares: list[float] = []
    result = master_audio(source, workdir, settings, progress=shares.append, **kwargs)
    return result, shares


def assert_published(path: Path, target: float, seconds: float) -> None:
    """The customer's three checks: loudness, true peak and duration."""
    assert integrated_loudness(path) == pytest.approx(target, abs=0.5)
    assert true_peak(path) <= -1.0
    assert mutagen.File(path).info.length == pytest.approx(seconds, abs=0.1)


@pytest.fixture(scope="module")
def quiet_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return programme(tmp_path_factory.mktemp("quiet") / "master.wav", SECONDS, level=0.03)


@pytest.fixture(scope="module")
def quiet_mastered(quiet_wav: Path, tmp_path_factory: pytest.TempPathFactory):
    tags = TagsToWrite(
        title="Avsnitt 1: Rösterna",
        artist="Malmö stad",
        cover=audio.cover_jpeg(),
        chapters=(Chapter(0, 5, "Början"), Chapter(5, SECONDS, "Slutet", "https://malmo.se/")),
    )
    return master(quiet_wav, tmp_path_factory.mktemp("out"), tags=tags)


def test_a_quiet_wav_master_becomes_an_mp3_at_minus_16(quiet_wav: Path, quiet_mastered) -> None:
    result, shares = quiet_mastered
    assert result.action == "normalised"
    assert result.before.integrated == pytest.approx(integrated_loudness(quiet_wav), abs=0.5)
    assert result.before.integrated < -25
    (mp3,) = result.outputs
    assert mp3.mime_type == "audio/mpeg" and mp3.role == "enclosure"
    assert_published(mp3.path, -16.0, SECONDS)
    assert result.after.integrated == pytest.approx(integrated_loudness(mp3.path), abs=0.3)
    info = mutagen.File(mp3.path).info
    assert (info.sample_rate, info.channels, info.bitrate) == (44100, 2, 128000)
    assert info.bitrate_mode == BitrateMode.CBR
    assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) > 10


def test_the_mp3_carries_title_artist_cover_and_chapters(quiet_mastered) -> None:
    result, _ = quiet_mastered
    tags = ID3(result.outputs[0].path)
    assert str(tags["TIT2"]) == "Avsnitt 1: Rösterna"
    assert str(tags["TPE1"]) == "Malmö stad"
    assert tags.getall("APIC")[0].data == audio.cover_jpeg()
    with open(result.outputs[0].path, "rb") as file:
        info = probe_audio(file)
    assert [(c.start, c.title, c.url) for c in info.chapters] == [
        (0.0, "Början", None),
        (5.0, "Slutet", "https://malmo.se/"),
    ]


def test_an_mp3_already_on_target_is_kept_as_it_is(quiet_mastered, tmp_path: Path) -> None:
    published = quiet_mastered[0].outputs[0].path
    upload = shutil.copyfile(published, tmp_path / "upload.mp3")
    result, shares = master(upload, tmp_path / "out")
    assert result.action == "kept"
    assert result.outputs == ()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert upload.read_bytes() == published.read_bytes()
    assert shares[-1] == 1.0


def test_a_mono_flac_goes_to_minus_19_as_a_64_kbps_mono_mp3(tmp_path: Path) -> None:
    source = programme(tmp_path / "mono.flac", SECONDS, level=0.05, channels=1, fmt="flac")
    result, _ = master(source, tmp_path / "out")
    (mp3,) = result.outputs
    assert_published(mp3.path, -19.0, SECONDS)
    info = mutagen.File(mp3.path).info
    assert (info.channels, info.bitrate) == (1, 64000)


def test_a_quiet_recording_with_clicks_is_compressed_by_loudnorm(tmp_path: Path) -> None:
    source = programme(tmp_path / "clicks.wav", 20.0, level=0.02, clicks=True)
    assert true_peak(source) > -2.0
    result, _ = master(source, tmp_path / "out")
    assert [note.code for note in result.notes] == ["dynamic"]
    assert_published(result.outputs[0].path, -16.0, 20.0)


def test_normalising_off_still_turns_a_master_into_mp3_at_its_own_loudness(
    quiet_wav: Path, tmp_path: Path
) -> None:
    settings = MasteringSettings(normalise=False)
    result, _ = master(quiet_wav, tmp_path / "out", settings)
    assert result.action == "transcoded"
    assert [note.code for note in result.notes] == ["not_normalised"]
    assert integrated_loudness(result.outputs[0].path) == pytest.approx(
        integrated_loudness(quiet_wav), abs=0.5
    )


def test_a_lossy_file_over_the_bit_rate_ceiling_becomes_128_kbps(tmp_path: Path) -> None:
    source = programme(tmp_path / "big.mp3", SECONDS, level=0.1, fmt="mp3", bit_rate=320_000)
    result, _ = master(source, tmp_path / "out")
    assert result.action in {"normalised", "transcoded"}
    assert mutagen.File(result.outputs[0].path).info.bitrate == 128000
    assert_published(result.outputs[0].path, -16.0, SECONDS)


def test_aac_and_opus_alternates_name_their_codecs(quiet_wav: Path, tmp_path: Path) -> None:
    for fmt, mime, codecs in (("aac", "audio/x-m4a", "mp4a.40.2"), ("opus", "audio/ogg", "opus")):
        settings = MasteringSettings(alternate=fmt)
        result, _ = master(quiet_wav, tmp_path / fmt, settings)
        _mp3, alternate = result.outputs
        assert alternate.role == "alternate"
        assert (alternate.mime_type, alternate.codecs) == (mime, codecs)
        assert mutagen.File(alternate.path).info.length == pytest.approx(SECONDS, abs=0.1)
        assert integrated_loudness(alternate.path) == pytest.approx(-16.0, abs=1.0)


def test_a_5_1_mix_is_downmixed_to_stereo_and_says_so(tmp_path: Path) -> None:
    source = programme(tmp_path / "surround.wav", SECONDS, level=0.03, channels=6)
    result, _ = master(source, tmp_path / "out")
    assert [note.code for note in result.notes] == ["downmixed"]
    assert result.notes[0].values == {"channels": 6}
    assert mutagen.File(result.outputs[0].path).info.channels == 2
    assert_published(result.outputs[0].path, -16.0, SECONDS)


def test_a_192_khz_float_master_is_resampled_to_44_1(tmp_path: Path) -> None:
    source = programme(tmp_path / "hires.wav", 8.0, level=0.03, rate=192000, fmt="wav-float")
    result, _ = master(source, tmp_path / "out")
    assert [note.code for note in result.notes] == ["resampled"]
    assert result.notes[0].values == {"rate": 192000}
    assert mutagen.File(result.outputs[0].path).info.sample_rate == 44100
    assert_published(result.outputs[0].path, -16.0, 8.0)


def test_an_aiff_master_is_published_as_mp3(tmp_path: Path) -> None:
    source = programme(tmp_path / "master.aiff", 8.0, level=0.03, fmt="aiff")
    result, _ = master(source, tmp_path / "out")
    assert result.source.lossless
    assert_published(result.outputs[0].path, -16.0, 8.0)


# --- refusals: a code for each, and nothing left behind -----------------------


def refusal(source: Path, workdir: Path, settings: MasteringSettings = DEFAULTS) -> AudioProblem:
    with pytest.raises(AudioProblem) as caught:
        master_audio(source, workdir, settings)
    assert not workdir.exists() or not any(workdir.iterdir())
    return caught.value


def test_a_wav_with_a_broken_header_is_unreadable(tmp_path: Path) -> None:
    source = programme(tmp_path / "good.wav", 3.0)
    data = bytearray(source.read_bytes())
    data[8:16] = b"JUNKJUNK"  # "WAVEfmt " gone
    broken = tmp_path / "broken.wav"
    broken.write_bytes(bytes(data))
    assert refusal(broken, tmp_path / "out").code == "unreadable"


def test_a_wav_that_ends_early_is_truncated(tmp_path: Path) -> None:
    source = programme(tmp_path / "whole.wav", SECONDS, level=0.05)
    cut = audio.cut_file(source, tmp_path / "cut.wav", 0.5)
    problem = refusal(cut, tmp_path / "out")
    assert problem.code == "truncated"
    assert problem.values["declared"] == pytest.approx(SECONDS, abs=0.1)
    assert problem.values["seconds"] == pytest.approx(SECONDS / 2, abs=0.2)


def test_silence_is_refused(tmp_path: Path) -> None:
    source = programme(tmp_path / "silence.wav", 6.0, silence=True)
    assert refusal(source, tmp_path / "out").code == "silent"


def test_a_ten_hour_file_is_refused_before_decoding(tmp_path: Path) -> None:
    """A WAV whose header declares ten hours (mono, 16-bit, 44.1 kHz): 3.2 GB promised."""
    source = programme(tmp_path / "short.wav", 1.0, channels=1)
    data = bytearray(source.read_bytes())
    at = data.index(b"data")
    promised = 10 * 3600 * 44100 * 2
    data[at + 4 : at + 8] = struct.pack("<I", promised)
    data[4:8] = struct.pack("<I", promised + at)
    long = tmp_path / "ten-hours.wav"
    long.write_bytes(bytes(data))
    problem = refusal(long, tmp_path / "out", MasteringSettings(max_seconds=4 * 3600))
    assert problem.code == "too_long"
    assert problem.values == {"seconds": pytest.approx(36000, abs=1), "limit": 4 * 3600}


def test_not_audio_at_all_is_unreadable(tmp_path: Path) -> None:
    assert refusal(audio.not_audio(tmp_path / "page.wav"), tmp_path / "out").code == "unreadable"


def test_the_same_file_measured_twice_reads_the_same(tmp_path: Path) -> None:
    """loudnorm reports through the log, where PyAV drops a message equal to the last."""
    source = programme(tmp_path / "twice.wav", 5.0, level=0.05)
    info = inspect_source(source)
    first, second = (
        measure_loudness(source, info, target_i=-16, target_tp=-1.5, target_lra=11, max_seconds=60)
        for _ in range(2)
    )
    assert first == second
    assert first.integrated == pytest.approx(integrated_loudness(source), abs=0.5)
