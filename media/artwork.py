"""Cover art without image libraries: a placeholder PNG and type sniffing.

Apple requires every show to have square artwork of 1400-3000 px, so a show
created without artwork gets a plain placeholder until a producer uploads one.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class ImageType:
    mime_type: str
    extension: str


def placeholder_png(size: int = 1400, rgb: tuple[int, int, int] = (0, 94, 184)) -> bytes:
    """A square PNG of one colour with a lighter band, small enough to store anywhere."""
    band = tuple(min(255, c + 60) for c in rgb)
    rows = []
    for y in range(size):
        colour = band if size * 2 // 5 <= y < size * 3 // 5 else rgb
        rows.append(b"\x00" + bytes(colour) * size)
    pixels = zlib.compress(b"".join(rows), 9)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def sniff_image(fileobj: BinaryIO) -> ImageType | None:
    """The real type from the first bytes, whatever the name says; position is restored."""
    start = fileobj.tell()
    head = fileobj.read(12)
    fileobj.seek(start)
    if head.startswith(PNG_SIGNATURE):
        return ImageType("image/png", ".png")
    if head.startswith(b"\xff\xd8\xff"):
        return ImageType("image/jpeg", ".jpg")
    return None


@dataclass(frozen=True)
class ArtworkInfo:
    """What Apple's artwork rules are about, read from the image itself."""

    width: int
    height: int
    mode: str  # Pillow's colour mode: "RGB", "RGBA", "CMYK", "P", "L" ...
    mime_type: str  # "image/jpeg", "image/png", or another real type


def inspect_artwork(fileobj: BinaryIO) -> ArtworkInfo | None:
    """Dimensions, colour mode and real type from the header; None if it is no image.

    Pillow reads only the header here, so a large file costs no decoding.
    Position is restored.
    """
    from PIL import Image, UnidentifiedImageError

    start = fileobj.tell()
    try:
        with Image.open(fileobj) as image:
            mime = Image.MIME.get(image.format or "", "application/octet-stream")
            return ArtworkInfo(image.width, image.height, image.mode, mime)
    except (UnidentifiedImageError, OSError):
        return None
    finally:
        fileobj.seek(start)
