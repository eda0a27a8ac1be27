"""probe_audio on real files: every format, tags/cover/chapters, and every refusal.

Inputs are made by tests.support.audio with real encoders; nothing is mocked.
"""

from __future__ import annotations

import array
import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import pytest
from mutagen.oggvorbis import OggVorbis

from media.probe import (
    MIME_TYPES,
    SUPPORTED_FORMATS,
    AudioInfo,
    AudioTags,
    Chapter,
    UnsupportedAudio,
    probe_audio,
)
from media.synth import FORMATS, SynthesisUnavailable, synthesize
from tests.support import audio

# name: (format, mime type, sample rate, channels)
TONES = {
    "tone.mp3": ("mp3", "audio/mpeg", 44100, 2),
    "tone.m4a": ("m4a", "audio/x-m4a", 44100, 2),
    "tone.opus": ("opus", "audio/ogg", 48000, 2),
    "tone.ogg": ("ogg", "audio/ogg", 44100, 1),
    "tone.flac": ("flac", "audio/flac", 48000, 1),
    "tone.wav": ("wav", "audio/wav", 44100, 1),
}
EXPECTED_TAGS = AudioTags(**audio.TAGS)
EXPECTED_CHAPTERS = tuple(Chapter(s, e, t, u) for s, e, t, u in audio.CHAPTERS)


def probe(path: Path) -> AudioInfo:
    """Probe a file on disk the way the upload code will: as an open binary file."""
    with path.open("rb") as fileobj:
        return probe_audio(fileobj)


def refusal(path: Path) -> UnsupportedAudio:
    """The UnsupportedAudio that probing ``path`` raises."""
    with pytest.raises(UnsupportedAudio) as caught:
        probe(path)
    return caught.value


class NamedBytes(io.BytesIO):
    """In-memory bytes under a made-up file name, like an upload's stream."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


class CountingFile(io.FileIO):
    """A real file that counts the bytes read from it."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data or b"")
        return data

    def readinto(self, buffer: Any) -> int | None:
        count = super().readinto(buffer)
        self.bytes_read += count or 0
        return count


# --- every supported format -------------------------------------------------------


@pytest.mark.parametrize("name", TONES)
def test_each_format_is_recognised(audio_dir: Path, name: str) -> None:
    fmt, mime, sample_rate, channels = TONES[name]
    info = probe(audio_dir / name)
    assert info.format == fmt
    assert info.mime_type == mime == MIME_TYPES[fmt]
    assert info.extension == f".{fmt}"
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert info.sample_rate == sample_rate
    assert info.channels == channels
    assert info.bitrate is not None and info.bitrate > 0
    assert info.tags == AudioTags()
    assert info.cover is None
    assert info.chapters == ()


def test_bitrates_are_bits_per_second(audio_dir: Path) -> None:
    assert probe(audio_dir / "tone.mp3").bitrate == pytest.approx(128_000, rel=0.01)
    assert probe(audio_dir / "tone.m4a").bitrate == pytest.approx(96_000, rel=0.05)
    assert probe(audio_dir / "tone.wav").bitrate == 44100 * 16


CODECS = {
    "tone.mp3": "mp3",
    "tone.m4a": "mp4a.40.2",  # AAC-LC, as the MP4 sample description says
    "tone.opus": "opus",
    "tone.ogg": "vorbis",
    "tone.flac": "flac",
    "tone.wav": "1",
}


@pytest.mark.parametrize("name", CODECS)
def test_codecs_are_rfc_6381_names(audio_dir: Path, name: str) -> None:
    """podcast:alternateEnclosure's codecs: what tells Opus from Vorbis, both audio/ogg."""
    assert probe(audio_dir / name).codecs == CODECS[name]


def test_supported_formats_and_mime_types_agree() -> None:
    assert set(SUPPORTED_FORMATS) == set(MIME_TYPES) == set(FORMATS)


def test_ogg_fixture_is_small_real_vorbis() -> None:
    assert audio.OGG_FIXTURE.stat().st_size < 40_000
    vorbis = OggVorbis(audio.OGG_FIXTURE)
    assert vorbis.info.length == pytest.approx(3.0, abs=0.01)
    assert vorbis.info.sample_rate == 44100


@pytest.mark.parametrize("name", TONES)
def test_files_hold_real_sound(audio_dir: Path, name: str) -> None:
    """Decoding gives three seconds of clearly audible samples, not silence."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
    samples = array.array("h")
    with av.open(str(audio_dir / name)) as container:
        for frame in container.decode(audio=0):
            for converted in resampler.resample(frame):
                samples.frombytes(bytes(converted.planes[0])[: converted.samples * 2])
    assert len(samples) / 48000 == pytest.approx(3.0, abs=0.1)
    assert max(abs(value) for value in samples) > 3000


# --- tags, cover art, chapters ------------------------------------------------------


def test_mp3_id3_tags_front_cover_and_chapters(audio_dir: Path) -> None:
    info = probe(audio_dir / "tagged.mp3")
    assert info.format == "mp3"
    assert info.tags == EXPECTED_TAGS
    assert info.cover is not None
    assert info.cover.mime_type == "image/jpeg"  # the front cover, not the earlier PNG
    assert info.cover.data == audio.cover_jpeg()
    assert info.chapters == EXPECTED_CHAPTERS


def test_mp3_chapters_without_toc_are_sorted_by_start(audio_dir: Path, tmp_path: Path) -> None:
    path = audio.tagged_mp3(audio_dir / "tone.mp3", tmp_path / "no-toc.mp3", with_toc=False)
    assert probe(path).chapters == EXPECTED_CHAPTERS


def test_m4a_tags_cover_and_nero_chapters(audio_dir: Path) -> None:
    info = probe(audio_dir / "tagged.m4a")
    assert info.format == "m4a"
    assert info.tags == EXPECTED_TAGS
    assert info.cover is not None
    assert info.cover.mime_type == "image/jpeg"
    assert info.cover.data == audio.cover_jpeg()
    assert [(c.start, c.title) for c in info.chapters] == [
        (start, title) for start, _end, title, _url in audio.CHAPTERS
    ]
    assert [c.end for c in info.chapters[:-1]] == [1.0, 2.0]
    assert info.chapters[-1].end == pytest.approx(info.duration)


def test_flac_vorbis_comments_and_picture_block(audio_dir: Path, tmp_path: Path) -> None:
    info = probe(audio.tagged_flac(audio_dir / "tone.flac", tmp_path / "tagged.flac"))
    assert info.tags == EXPECTED_TAGS  # tracknumber 3 + tracktotal 10 -> "3/10"
    assert info.cover is not None
    assert info.cover.mime_type == "image/jpeg"  # front cover preferred over the PNG
    assert info.chapters == ()


def test_opus_metadata_block_picture(audio_dir: Path, tmp_path: Path) -> None:
    info = probe(audio.tagged_opus(audio_dir / "tone.opus", tmp_path / "tagged.opus"))
    assert info.format == "opus"
    assert info.tags == EXPECTED_TAGS
    assert info.cover is not None
    assert info.cover.data == audio.cover_jpeg()


def test_wav_id3_chunk(audio_dir: Path, tmp_path: Path) -> None:
    info = probe(audio.tagged_wav(audio_dir / "tone.wav", tmp_path / "tagged.wav"))
    assert info.format == "wav"
    assert (info.tags.title, info.tags.artist) == (audio.TAGS["title"], audio.TAGS["artist"])
    assert info.cover is not None and info.cover.mime_type == "image/jpeg"
    assert info.chapters == (Chapter(0.0, 3.0, "All of it"),)


# --- sound files that must still be accepted -----------------------------------------


def test_mp3_with_id3v1_tag_at_end_is_not_truncated(audio_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "v1.mp3"
    path.write_bytes((audio_dir / "tone.mp3").read_bytes() + b"TAG" + b"\0" * 125)
    assert probe(path).duration == pytest.approx(3.0, abs=0.1)


def test_mp3_without_vbr_header_or_with_leading_junk(audio_dir: Path, tmp_path: Path) -> None:
    data = (audio_dir / "tone.mp3").read_bytes()
    # FFmpeg's small ID3 tag, then the Info frame (417 bytes at 128 kbit/s, 44.1 kHz).
    audio_start = audio.id3_size(data) + 417
    assert data[audio_start : audio_start + 2] == b"\xff\xfb"
    bare = tmp_path / "bare.mp3"
    bare.write_bytes(data[audio_start:])
    assert probe(bare).duration == pytest.approx(3.0, abs=0.1)
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"\0" * 100 + data[audio.id3_size(data) :])
    assert probe(junk).format == "mp3"


def test_flac_behind_an_id3_tag_is_flac(audio_dir: Path, tmp_path: Path) -> None:
    tag = audio.id3_only(audio_dir / "tagged.mp3", tmp_path / "tag.bin").read_bytes()
    path = tmp_path / "id3.flac"
    path.write_bytes(tag + (audio_dir / "tone.flac").read_bytes())
    assert probe(path).format == "flac"


# --- refusals --------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    error = refusal(audio.empty(tmp_path / "episode.mp3"))
    assert error.code == "empty"
    assert "empty" in str(error)


@pytest.mark.parametrize(
    "make",
    [audio.not_audio, audio.png_file, audio.jpeg_file, audio.zip_file],
    ids=["html", "png", "jpeg", "zip"],
)
def test_non_audio_named_mp3(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    error = refusal(make(tmp_path / "episode.mp3"))
    assert error.code == "not_audio"
    assert "not an audio file" in str(error)
    assert "MP3" in str(error)  # says what would be accepted


def test_plain_text_named_mp3(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp3"
    path.write_text("Episode notes\n" * 500, encoding="utf-8")
    assert refusal(path).code == "not_audio"


@pytest.mark.parametrize("seed", range(8))
def test_random_bytes_are_not_audio(tmp_path: Path, seed: int) -> None:
    assert refusal(audio.random_bytes(tmp_path / "noise.mp3", seed)).code == "not_audio"


def test_random_bytes_after_an_id3_tag_are_not_audio(audio_dir: Path, tmp_path: Path) -> None:
    tag = audio.id3_only(audio_dir / "tagged.mp3", tmp_path / "tag.bin").read_bytes()
    path = tmp_path / "noise.mp3"
    path.write_bytes(tag + audio.random_bytes(tmp_path / "noise.bin", 99).read_bytes())
    assert refusal(path).code == "not_audio"


@pytest.mark.parametrize("source", ["tone.mp3", "tagged.mp3"])
def test_mp3_without_a_complete_frame(audio_dir: Path, tmp_path: Path, source: str) -> None:
    error = refusal(audio.truncated_mp3(audio_dir / source, tmp_path / "cut.mp3"))
    assert error.code == "truncated"
    assert "cut short" in str(error)


def test_mp3_of_a_few_bytes(audio_dir: Path, tmp_path: Path) -> None:
    path = audio.truncated_mp3(audio_dir / "tone.mp3", tmp_path / "tiny.mp3", keep=4)
    assert refusal(path).code == "truncated"


def test_mp3_with_tags_and_no_audio(audio_dir: Path, tmp_path: Path) -> None:
    assert refusal(audio.id3_only(audio_dir / "tagged.mp3", tmp_path / "t.mp3")).code == (
        "truncated"
    )


@pytest.mark.parametrize("source", ["tone.mp3", "tagged.mp3"])
def test_mp3_whose_header_promises_more(audio_dir: Path, tmp_path: Path, source: str) -> None:
    error = refusal(audio.cut_mp3(audio_dir / source, tmp_path / "half.mp3", 0.5))
    assert error.code == "truncated"
    assert str(error).startswith("The file seems cut short: its header promises 3.0 seconds")
    assert "holds only 1." in str(error)


def test_mp3_missing_under_a_second_is_accepted(audio_dir: Path, tmp_path: Path) -> None:
    """Encoder estimates are loose; only a clear shortfall (>10 % and >1 s) is refused."""
    info = probe(audio.cut_mp3(audio_dir / "tone.mp3", tmp_path / "most.mp3", 0.8))
    assert info.format == "mp3"


@pytest.mark.parametrize("name", ["tone.m4a", "tone.flac", "tone.wav", "tone.ogg"])
def test_other_formats_cut_in_half(audio_dir: Path, tmp_path: Path, name: str) -> None:
    cut = audio.cut_file(audio_dir / name, tmp_path / name, 0.5)
    assert refusal(cut).code == "truncated"


@pytest.mark.parametrize("name", ["tone.m4a", "tone.flac", "tone.opus", "tone.ogg"])
def test_other_formats_cut_to_their_headers(audio_dir: Path, tmp_path: Path, name: str) -> None:
    cut = audio.cut_file(audio_dir / name, tmp_path / name, 0.02)
    assert refusal(cut).code == "truncated"


def test_wav_without_samples(tmp_path: Path) -> None:
    error = refusal(audio.zero_duration_wav(tmp_path / "silence.wav"))
    assert error.code == "zero_duration"
    assert "zero seconds" in str(error)


@pytest.mark.parametrize(
    ("source", "container", "codec", "name"),
    [
        ("tone.wav", "aiff", "pcm_s16be", "AIFF"),
        ("tone.wav", "asf", "wmav2", "Windows Media"),
        ("tone.wav", "adts", "aac", "raw AAC"),
        ("tone.opus", "webm", "libopus", "WebM"),
    ],
)
def test_other_audio_formats_are_unsupported(
    audio_dir: Path, tmp_path: Path, source: str, container: str, codec: str, name: str
) -> None:
    path = audio.transcode(audio_dir / source, tmp_path / "episode.mp3", container, codec)
    error = refusal(path)
    assert error.code == "unsupported_format"
    assert name in str(error)
    assert "MP3, M4A (AAC), Opus, Ogg Vorbis, FLAC and WAV" in str(error)


def test_video_without_sound_is_unsupported(tmp_path: Path) -> None:
    error = refusal(audio.video_only_mp4(tmp_path / "episode.m4a"))
    assert error.code == "unsupported_format"
    assert "no sound track" in str(error)


def test_refusal_is_a_value_error_with_code_and_message() -> None:
    error = UnsupportedAudio("empty", "The file is empty.")
    assert isinstance(error, ValueError)
    assert (error.code, error.message, str(error)) == ("empty", "The file is empty.", error.message)


# --- content decides, never the name -------------------------------------------------------


def test_mp3_named_flac_is_mp3(audio_dir: Path, tmp_path: Path) -> None:
    data = (audio_dir / "tone.mp3").read_bytes()
    assert probe_audio(NamedBytes(data, "episode.flac")).format == "mp3"
    misnamed = tmp_path / "episode.flac"
    shutil.copyfile(audio_dir / "tone.mp3", misnamed)
    assert probe(misnamed).format == "mp3"


@pytest.mark.parametrize(
    ("source", "fake"),
    [
        ("tone.flac", "x.mp3"),
        ("tone.wav", "x.m4a"),
        ("tone.opus", "x.ogg"),
        ("tone.ogg", "x.opus"),
        ("tone.m4a", "x.wav"),
    ],
)
def test_every_format_ignores_a_wrong_name(audio_dir: Path, source: str, fake: str) -> None:
    expected = TONES[source][0]
    assert probe_audio(NamedBytes((audio_dir / source).read_bytes(), fake)).format == expected


def test_text_named_mp3_in_memory() -> None:
    text = NamedBytes(b"ID3 is a tag format; this is a text file.\n" * 20, "x.mp3")
    with pytest.raises(UnsupportedAudio) as caught:
        probe_audio(text)
    assert caught.value.code == "not_audio"


# --- file position and memory ------------------------------------------------------------


@pytest.mark.parametrize("name", [*TONES, "tagged.mp3", "tagged.m4a"])
def test_position_is_reset_after_success(audio_dir: Path, name: str) -> None:
    with (audio_dir / name).open("rb") as fileobj:
        fileobj.seek(123)
        probe_audio(fileobj)
        assert fileobj.tell() == 0


def test_position_is_reset_after_refusal(tmp_path: Path) -> None:
    with audio.not_audio(tmp_path / "x.mp3").open("rb") as fileobj:
        fileobj.seek(10)
        with pytest.raises(UnsupportedAudio):
            probe_audio(fileobj)
        assert fileobj.tell() == 0


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac"])
def test_large_files_are_not_read_whole(tmp_path: Path, fmt: str) -> None:
    path = synthesize(tmp_path / f"long.{fmt}", fmt, seconds=60)
    with CountingFile(path, "rb") as fileobj:
        info = probe_audio(fileobj)
        assert info.duration == pytest.approx(60, abs=0.1)
        assert fileobj.bytes_read < min(path.stat().st_size / 4, 300_000)


# --- synthesize: the demo's and these tests' audio ---------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_synthesize_makes_the_requested_length(tmp_path: Path, fmt: str) -> None:
    path = synthesize(tmp_path / "deep" / f"short.{fmt}", fmt, seconds=1.25, frequency=220)
    info = probe(path)
    assert info.format == fmt
    assert info.duration == pytest.approx(1.25, abs=0.1)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no scratch files left


@pytest.mark.parametrize(
    ("fmt", "seconds", "frequency"),
    [
        ("aiff", 3, 440),
        ("mp3", 0, 440),
        ("mp3", -1, 440),
        ("mp3", float("nan"), 440),
        ("mp3", 3, 5),
        ("mp3", 3, 20_000),
    ],
)
def test_synthesize_refuses_bad_arguments(
    tmp_path: Path, fmt: str, seconds: float, frequency: float
) -> None:
    with pytest.raises(ValueError):
        synthesize(tmp_path / "x", fmt, seconds, frequency)


def test_synthesize_ogg_needs_oggenc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH on which no oggenc exists
    with pytest.raises(SynthesisUnavailable, match="oggenc"):
        synthesize(tmp_path / "x.ogg", "ogg")
    assert not (tmp_path / "x.ogg").exists()
