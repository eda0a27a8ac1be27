"""Tags, cover art and chapters from ID3 (MP3, WAV), MP4 atoms and Vorbis comments."""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Iterable, Sequence
from typing import Any

from mutagen import MutagenError
from mutagen.flac import Picture
from mutagen.id3 import CTOCFlags
from mutagen.mp4 import MP4Cover

from media.probe.model import AudioTags, Chapter, CoverArt

_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


_FRONT_COVER = 3  # picture type shared by ID3 APIC and FLAC picture blocks


def _text(values: Iterable[object] | None) -> str | None:
    """Join a tag's values into one string; blank means absent."""
    if values is None:
        return None
    joined = " / ".join(str(value).strip() for value in values if str(value).strip())
    return joined or None


def _cover(data: bytes, declared: str) -> CoverArt | None:
    """Artwork with a MIME type the image bytes confirm, as declared types are often wrong."""
    if not data:
        return None
    for magic, mime in _IMAGE_MAGIC:
        if data.startswith(magic):
            return CoverArt(bytes(data), mime)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return CoverArt(bytes(data), "image/webp")
    declared = declared.strip().lower()
    if declared in ("jpg", "jpeg", "image/jpg"):
        declared = "image/jpeg"
    return CoverArt(bytes(data), declared) if declared.startswith("image/") else None


def _pick_picture(pictures: Iterable[Any]) -> Any | None:
    """The front cover (type 3) if there is one, else the first picture."""
    candidates = list(pictures)
    for picture in candidates:
        if picture.type == _FRONT_COVER:
            return picture
    return candidates[0] if candidates else None


def _id3_tags(tags: Any) -> AudioTags:
    """Title, artist, album, comment, date and track from ID3v2 frames."""
    if tags is None:
        return AudioTags()

    def text(key: str) -> str | None:
        frame = tags.get(key)
        return _text(frame.text) if frame is not None else None

    comments = tags.getall("COMM")
    plain = [frame for frame in comments if not frame.desc] or comments
    return AudioTags(
        title=text("TIT2"),
        artist=text("TPE1"),
        album=text("TALB"),
        comment=_text(plain[0].text) if plain else None,
        date=text("TDRC"),  # mutagen merges ID3v2.3 TYER/TDAT into TDRC
        track=text("TRCK"),
    )


def _id3_cover(tags: Any) -> CoverArt | None:
    """The APIC front cover, else the first embedded picture (links "-->" skipped)."""
    if tags is None:
        return None
    pictures = [frame for frame in tags.getall("APIC") if frame.mime != "-->" and frame.data]
    picture = _pick_picture(pictures)
    return _cover(picture.data, picture.mime) if picture is not None else None


def _id3_chapters(tags: Any) -> tuple[Chapter, ...]:
    """CHAP frames, in table-of-contents order when a CTOC exists, else by start."""
    if tags is None:
        return ()
    chaps = {frame.element_id: frame for frame in tags.getall("CHAP")}
    ordered = [chaps[element] for element in _toc_order(tags.getall("CTOC")) if element in chaps]
    listed = {frame.element_id for frame in ordered}
    unlisted = sorted(
        (frame for frame in chaps.values() if frame.element_id not in listed),
        key=lambda frame: frame.start_time,
    )
    return tuple(_id3_chapter(frame) for frame in ordered + unlisted)


def _toc_order(tocs: Sequence[Any]) -> list[str]:
    """Element ids from the top-level CTOC, nested tables flattened in place."""
    by_id = {toc.element_id: toc for toc in tocs}
    roots = [toc for toc in tocs if toc.flags & CTOCFlags.TOP_LEVEL] or list(tocs[:1])
    order: list[str] = []
    seen: set[str] = set()

    def walk(toc: Any) -> None:
        seen.add(toc.element_id)
        for child in toc.child_element_ids:
            if child in by_id:
                if child not in seen:  # guard against tables that list each other
                    walk(by_id[child])
            elif child not in order:
                order.append(child)

    for root in roots[:1]:
        walk(root)
    return order


def _id3_chapter(frame: Any) -> Chapter:
    """One CHAP frame: milliseconds to seconds, title from TIT2, link from WXXX/W***."""
    start = frame.start_time / 1000
    end = frame.end_time / 1000 if frame.end_time > frame.start_time else None
    title = None
    url = None
    for sub in frame.sub_frames.values():
        if sub.FrameID == "TIT2" and title is None:
            title = _text(sub.text)
        elif sub.FrameID.startswith("W") and url is None:
            url = str(sub.url).strip() or None
    return Chapter(start=start, end=end, title=title or "", url=url)


def _mp4_tags(tags: Any) -> AudioTags:
    """iTunes-style atoms; trkn (number, total) becomes "3" or "3/10"."""
    track = None
    numbers = tags.get("trkn")
    if numbers:
        number, total = (*numbers[0], 0, 0)[:2]
        if number:
            track = f"{number}/{total}" if total else str(number)
    return AudioTags(
        title=_text(tags.get("\xa9nam")),
        artist=_text(tags.get("\xa9ART")),
        album=_text(tags.get("\xa9alb")),
        comment=_text(tags.get("\xa9cmt")) or _text(tags.get("desc")),
        date=_text(tags.get("\xa9day")),
        track=track,
    )


def _mp4_cover(tags: Any) -> CoverArt | None:
    """The first covr image; its format code backs up the byte sniffing."""
    covers = tags.get("covr") or []
    if not covers:
        return None
    cover = covers[0]
    declared = "image/png" if getattr(cover, "imageformat", None) == MP4Cover.FORMAT_PNG else ""
    return _cover(bytes(cover), declared or "image/jpeg")


def _mp4_chapters(chapters: Any, duration: float) -> tuple[Chapter, ...]:
    """Nero-style chapters (moov/udta/chpl): each ends where the next starts."""
    if not chapters:
        return ()
    marks = sorted(((float(mark.start), str(mark.title)) for mark in chapters), key=lambda m: m[0])
    ends = [start for start, _title in marks[1:]] + [duration]
    return tuple(
        Chapter(start=start, end=end if end > start else None, title=title.strip())
        for (start, title), end in zip(marks, ends, strict=True)
    )


def _vorbis_tags(comments: Any) -> AudioTags:
    """Vorbis comment fields; a separate track total is folded into "3/10"."""

    def first(*keys: str) -> str | None:
        for key in keys:
            value = _text(comments.get(key))
            if value:
                return value
        return None

    track = first("tracknumber")
    total = first("tracktotal", "totaltracks")
    if track and total and "/" not in track:
        track = f"{track}/{total}"
    return AudioTags(
        title=first("title"),
        artist=first("artist"),
        album=first("album"),
        comment=first("comment", "description"),
        date=first("date", "year"),
        track=track,
    )


def _vorbis_cover(comments: Any, pictures: Iterable[Picture]) -> CoverArt | None:
    """FLAC picture blocks, or base64 METADATA_BLOCK_PICTURE comments (Ogg's way)."""
    candidates = list(pictures)
    for encoded in comments.get("metadata_block_picture") or []:
        try:
            candidates.append(Picture(base64.b64decode(encoded)))
        except (binascii.Error, ValueError, MutagenError, struct.error):
            continue  # one damaged picture should not cost the episode its upload
    picture = _pick_picture(candidates)
    return _cover(picture.data, picture.mime) if picture is not None else None
