"""Real audio files for tests: one per format, tagged ones, and deliberately bad ones.

Everything is made by real encoders (PyAV, and ``oggenc`` once for the
committed Ogg Vorbis fixture) and tagged with mutagen, so tests exercise the
same bytes producers upload. Nothing here is mocked.
"""

from __future__ import annotations

import io
import random
import shutil
import struct
import zipfile
import zlib
from fractions import Fraction
from pathlib import Path
from typing import Any

from mutagen.flac import FLAC, Picture
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TDRC,
    TIT2,
    TPE1,
    TRCK,
    WXXX,
    CTOCFlags,
    PictureType,
)
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus
from mutagen.wave import WAVE

from media.synth import synthesize

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
#: Made with oggenc and committed, because CI machines may lack oggenc.
OGG_FIXTURE = FIXTURES / "tone.ogg"

SECONDS = 3.0
TONE_FORMATS: tuple[str, ...] = ("mp3", "m4a", "opus", "flac", "wav")

#: The tags every ``tagged.*`` file carries, as probe_audio should report them.
TAGS: dict[str, str] = {
    "title": "Episode 3: Testing tones",
    "artist": "The Podhost Choir",
    "album": "Podhost Test Show",
    "comment": "Three seconds of music, with chapters.",
    "date": "2024-05-17",
    "track": "3/10",
}

#: (start seconds, end seconds, title, url) of the chapters in tagged.mp3.
CHAPTERS: tuple[tuple[float, float, str, str | None], ...] = (
    (0.0, 1.0, "Welcome", None),
    (1.0, 2.0, "The middle part", "https://example.org/middle"),
    (2.0, 3.0, "Goodbye", None),
)


def make_all(folder: Path) -> None:
    """Write the 3-second tone in every format plus tagged.mp3 and tagged.m4a."""
    folder.mkdir(parents=True, exist_ok=True)
    for fmt in TONE_FORMATS:
        synthesize(folder / f"tone.{fmt}", fmt, seconds=SECONDS)
    shutil.copyfile(OGG_FIXTURE, folder / "tone.ogg")
    tagged_mp3(folder / "tone.mp3", folder / "tagged.mp3")
    tagged_m4a(folder / "tone.m4a", folder / "tagged.m4a")


# --- cover art -------------------------------------------------------------


def cover_jpeg(size: int = 32) -> bytes:
    """A small, valid baseline JPEG (encoded by FFmpeg's MJPEG encoder).

    Made at run time because Pillow is not a dependency, and a real image is
    better than hand-written bytes: players and validators may decode it.
    """
    import av

    frame = av.VideoFrame(size, size, "yuvj420p")
    for plane, level in zip(frame.planes, (90, 100, 180), strict=True):
        plane.update(bytes([level]) * plane.buffer_size)
    codec: Any = av.CodecContext.create("mjpeg", "w")
    codec.width = codec.height = size
    codec.pix_fmt = "yuvj420p"
    codec.time_base = Fraction(1, 25)
    packets = codec.encode(frame) + codec.encode(None)
    return bytes(packets[0])


def tiny_png() -> bytes:
    """A valid 1x1 PNG, built from its chunks with zlib (no imaging library)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x80\x00")  # filter byte + one orange pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# --- tagged files ----------------------------------------------------------


def tagged_mp3(src: Path, dst: Path, *, with_toc: bool = True) -> Path:
    """Copy an MP3 and give it ID3 tags, two pictures and three chapters.

    A non-front picture comes first so tests see the front cover preferred.
    Without ``with_toc`` the CHAP frames are written out of order and no CTOC,
    so the reader must sort by start time.
    """
    shutil.copyfile(src, dst)
    tags = ID3()
    tags.add(TIT2(encoding=3, text=TAGS["title"]))
    tags.add(TPE1(encoding=3, text=TAGS["artist"]))
    tags.add(TALB(encoding=3, text=TAGS["album"]))
    tags.add(COMM(encoding=3, lang="eng", desc="", text=TAGS["comment"]))
    tags.add(TDRC(encoding=3, text=TAGS["date"]))
    tags.add(TRCK(encoding=3, text=TAGS["track"]))
    tags.add(
        APIC(encoding=3, mime="image/png", type=PictureType.ARTIST, desc="artist", data=tiny_png())
    )
    tags.add(
        APIC(
            encoding=3,
            mime="image/jpeg",
            type=PictureType.COVER_FRONT,
            desc="cover",
            data=cover_jpeg(),
        )
    )
    for frame in reversed(_chap_frames()):  # reversed: file order must not matter
        tags.add(frame)
    if with_toc:
        ids = [f"chp{index}" for index in range(len(CHAPTERS))]
        tags.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text="Contents")],
            )
        )
    tags.save(dst)
    return dst


def _chap_frames() -> list[CHAP]:
    """The CHAP frames for :data:`CHAPTERS`, each with a title and maybe a link."""
    frames = []
    for index, (start, end, title, url) in enumerate(CHAPTERS):
        sub_frames: list[Any] = [TIT2(encoding=3, text=title)]
        if url is not None:
            sub_frames.append(WXXX(encoding=3, desc="chapter url", url=url))
        frames.append(
            CHAP(
                element_id=f"chp{index}",
                start_time=round(start * 1000),
                end_time=round(end * 1000),
                sub_frames=sub_frames,
            )
        )
    return frames


def tagged_m4a(src: Path, dst: Path) -> Path:
    """Remux an M4A with Nero chapters (via FFmpeg), then add iTunes tags and covr."""
    import av

    with (
        av.open(str(src)) as source,
        av.open(
            str(dst), "w", format="ipod", container_options={"movflags": "faststart"}
        ) as target,
    ):
        audio_in = source.streams.audio[0]
        audio_out = target.add_stream_from_template(audio_in)
        target.set_chapters(
            [
                {
                    "id": index + 1,
                    "start": round(start * 1000),
                    "end": round(end * 1000),
                    "time_base": Fraction(1, 1000),
                    "metadata": {"title": title},
                }
                for index, (start, end, title, _url) in enumerate(CHAPTERS)
            ]
        )
        for packet in source.demux(audio_in):
            if packet.dts is None:  # the demuxer's end-of-stream marker
                continue
            packet.stream = audio_out
            target.mux(packet)
    tags = MP4(dst)
    tags["©nam"] = [TAGS["title"]]
    tags["©ART"] = [TAGS["artist"]]
    tags["©alb"] = [TAGS["album"]]
    tags["©cmt"] = [TAGS["comment"]]
    tags["©day"] = [TAGS["date"]]
    number, total = (int(part) for part in TAGS["track"].split("/"))
    tags["trkn"] = [(number, total)]
    tags["covr"] = [MP4Cover(cover_jpeg(), imageformat=MP4Cover.FORMAT_JPEG)]
    tags.save()
    return dst


def _picture(data: bytes, mime: str, kind: int) -> Picture:
    """A FLAC picture block, the structure FLAC and Ogg files both use for art."""
    picture = Picture()
    picture.type = kind
    picture.mime = mime
    picture.desc = "cover" if kind == PictureType.COVER_FRONT else "other"
    picture.width = picture.height = 1 if mime == "image/png" else 32
    picture.depth = 24
    picture.data = data
    return picture


def _vorbis_tags() -> dict[str, str]:
    """:data:`TAGS` under Vorbis comment names (track split into number and total)."""
    number, total = TAGS["track"].split("/")
    return {
        "title": TAGS["title"],
        "artist": TAGS["artist"],
        "album": TAGS["album"],
        "description": TAGS["comment"],
        "date": TAGS["date"],
        "tracknumber": number,
        "tracktotal": total,
    }


def tagged_flac(src: Path, dst: Path) -> Path:
    """Copy a FLAC and add Vorbis comments plus a PNG (other) and JPEG (front) picture."""
    shutil.copyfile(src, dst)
    flac = FLAC(dst)
    for key, value in _vorbis_tags().items():
        flac[key] = value
    flac.add_picture(_picture(tiny_png(), "image/png", PictureType.ARTIST))
    flac.add_picture(_picture(cover_jpeg(), "image/jpeg", PictureType.COVER_FRONT))
    flac.save()
    return dst


def tagged_opus(src: Path, dst: Path) -> Path:
    """Copy an Opus file and add Vorbis comments with a METADATA_BLOCK_PICTURE cover."""
    import base64

    shutil.copyfile(src, dst)
    opus = OggOpus(dst)
    for key, value in _vorbis_tags().items():
        opus[key] = value
    block = _picture(cover_jpeg(), "image/jpeg", PictureType.COVER_FRONT).write()
    opus["metadata_block_picture"] = base64.b64encode(block).decode("ascii")
    opus.save()
    return dst


def tagged_wav(src: Path, dst: Path) -> Path:
    """Copy a WAV and add an ``id3`` chunk with the usual tags and one chapter."""
    shutil.copyfile(src, dst)
    wave = WAVE(dst)
    wave.add_tags()
    assert wave.tags is not None
    wave.tags.add(TIT2(encoding=3, text=TAGS["title"]))
    wave.tags.add(TPE1(encoding=3, text=TAGS["artist"]))
    wave.tags.add(
        APIC(
            encoding=3, mime="image/jpeg", type=PictureType.COVER_FRONT, desc="", data=cover_jpeg()
        )
    )
    wave.tags.add(
        CHAP(
            element_id="only",
            start_time=0,
            end_time=3000,
            sub_frames=[TIT2(encoding=3, text="All of it")],
        )
    )
    wave.save()
    return dst


# --- bad inputs --------------------------------------------------------------


def not_audio(path: Path) -> Path:
    """An HTML page, as a misconfigured download link would deliver, under any name."""
    path.write_text(
        "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
        "<body><h1>Not Found</h1><p>The episode.mp3 you asked for is gone.</p></body></html>\n",
        encoding="utf-8",
    )
    return path


def empty(path: Path) -> Path:
    """A zero-byte file, as an aborted upload leaves."""
    path.write_bytes(b"")
    return path


def truncated_mp3(src: Path, dst: Path, keep: int = 200) -> Path:
    """Keep the ID3 tag (if any) and only ``keep`` bytes of audio: no complete frame.

    At 128 kbit/s a frame is 417 bytes, so the default cuts through the first one.
    """
    data = src.read_bytes()
    dst.write_bytes(data[: id3_size(data) + keep])
    return dst


def id3_only(src: Path, dst: Path) -> Path:
    """Keep only the leading ID3 tag of ``src``: a file of tags and no audio at all."""
    data = src.read_bytes()
    dst.write_bytes(data[: id3_size(data)])
    return dst


def id3_size(data: bytes) -> int:
    """Bytes taken by the ID3v2 tag at the start of ``data`` (0 without one)."""
    if not data.startswith(b"ID3") or len(data) < 10:
        return 0
    size = 0
    for byte in data[6:10]:  # "syncsafe": 7 bits per byte
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if data[5] & 0x10 else 0
    return 10 + size + footer


def cut_mp3(src: Path, dst: Path, fraction: float = 0.5) -> Path:
    """Keep the first ``fraction`` of a real MP3: its Xing/LAME header still
    promises the whole duration, as with an interrupted upload or download."""
    data = src.read_bytes()
    dst.write_bytes(data[: round(len(data) * fraction)])
    return dst


def cut_file(src: Path, dst: Path, fraction: float) -> Path:
    """Keep the first ``fraction`` of any file."""
    return cut_mp3(src, dst, fraction)


def zero_duration_wav(path: Path, sample_rate: int = 44100, channels: int = 1) -> Path:
    """A valid WAV header (PCM, 16-bit) whose data chunk holds no samples."""
    block_align = channels * 2
    fmt = struct.pack(
        "<HHIIHH", 1, channels, sample_rate, sample_rate * block_align, block_align, 16
    )
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", 0)
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def random_bytes(path: Path, seed: int, size: int = 64 * 1024) -> Path:
    """Reproducible noise: the worst case for sniffing MP3 frame sync words."""
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def png_file(path: Path) -> Path:
    """A real PNG image."""
    path.write_bytes(tiny_png())
    return path


def jpeg_file(path: Path) -> Path:
    """A real JPEG image."""
    path.write_bytes(cover_jpeg())
    return path


def zip_file(path: Path) -> Path:
    """A real zip archive (of text): not an audio file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "An episode, zipped.\n" * 50)
    path.write_bytes(buffer.getvalue())
    return path


# --- real files in formats probe_audio refuses -------------------------------


def transcode(src: Path, dst: Path, container: str, codec: str) -> Path:
    """Re-encode ``src``'s audio into another container/codec with PyAV."""
    import av

    with av.open(str(src)) as source, av.open(str(dst), "w", format=container) as target:
        audio_in = source.streams.audio[0]
        layout = "mono" if audio_in.channels == 1 else "stereo"  # WAV may say "1 channels"
        stream: Any = target.add_stream(codec, rate=audio_in.rate, layout=layout)
        stream.bit_rate = 64_000  # some encoders (wmav2) refuse to guess one
        for frame in source.decode(audio_in):
            frame.pts = None
            target.mux(stream.encode(frame))
        target.mux(stream.encode(None))
    return dst


def video_only_mp4(path: Path, frames: int = 25) -> Path:
    """One second of MPEG-4 video with no sound track at all."""
    import av

    with av.open(str(path), "w", format="mp4") as target:
        stream: Any = target.add_stream("mpeg4", rate=25)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for index in range(frames):
            frame = av.VideoFrame(64, 64, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(index * 9) % 256]) * plane.buffer_size)
            frame.pts = index
            target.mux(stream.encode(frame))
        target.mux(stream.encode(None))
    return path


# --- long files, made fast ---------------------------------------------------

#: PyAV container names for the formats ``stretched`` can make.
CONTAINERS: dict[str, str] = {"mp3": "mp3", "m4a": "ipod"}


def stretched(folder: Path, fmt: str, seconds: float, piece: float = 60.0) -> Path:
    """A real ``seconds``-long file: one encoded ``piece`` muxed again and again.

    Encoding an hour takes minutes on a busy machine; muxing the same packets
    with shifted timestamps takes a second, and the container (Xing header,
    MP4 sample tables) is written by the muxer exactly as for a real hour.
    """
    short = synthesize(folder / f"piece.{fmt}", fmt, piece, 330.0)
    target = folder / f"long-{round(seconds)}.{fmt}"
    repeats = max(1, round(seconds / piece))
    import av

    with av.open(str(short)) as source:
        template = source.streams.audio[0]
        packets = [packet for packet in source.demux(template) if packet.size]
        span = packets[-1].pts + packets[-1].duration - packets[0].pts
        with av.open(str(target), "w", format=CONTAINERS[fmt]) as output:
            stream = output.add_stream_from_template(template)
            for repeat in range(repeats):
                for packet in packets:
                    if repeat:
                        packet.pts += span
                        packet.dts += span
                    packet.stream = stream
                    output.mux(packet)
    short.unlink()
    return target
