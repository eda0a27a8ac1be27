"""Cover art without image libraries: a placeholder PNG and type sniffing.

Apple requires every show to have square artwork of 1400-3000 px, so a show
created without artwork gets a plain placeholder until a producer uploads one.
"""

from __future__ import annotations

import io
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


# --- Episode artwork: a full decode, because the file is served as is -----------------

MIN_ARTWORK_PX = 1400
MAX_ARTWORK_PX = 3000
ARTWORK_FORMATS = {"JPEG": ImageType("image/jpeg", ".jpg"), "PNG": ImageType("image/png", ".png")}


class ArtworkRefused(ValueError):
    """The upload is not artwork apps accept. ``code`` is for programs, the message for people.

    Codes: "not_image" (also SVG or HTML under an image's name), "corrupt",
    "too_many_pixels" (a decompression bomb), "not_square", "size", "colour".
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def verify_artwork(fileobj: BinaryIO) -> tuple[ImageType, ArtworkInfo]:
    """Check that ``fileobj`` is a whole JPEG or PNG of 1400-3000 px square RGB, by content.

    Unlike :func:`inspect_artwork` this decodes every pixel, since a file whose
    header is fine but whose data is broken would break in apps instead. The
    header's size is checked first, so a decompression bomb is refused before
    any pixel is decoded. Position is restored.

    :raise ArtworkRefused: with the reason.
    """
    start = fileobj.tell()
    try:
        return _verify(fileobj)
    finally:
        fileobj.seek(start)


def _verify(fileobj: BinaryIO) -> tuple[ImageType, ArtworkInfo]:
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fileobj, formats=list(ARTWORK_FORMATS)) as image:
                kind = ARTWORK_FORMATS[image.format or ""]
                info = ArtworkInfo(image.width, image.height, image.mode, kind.mime_type)
                _check_dimensions(info)
                image.load()  # decodes all data: truncated or corrupt files fail here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ArtworkRefused("too_many_pixels", _TOO_MANY_PIXELS) from exc
    except UnidentifiedImageError as exc:
        raise ArtworkRefused(
            "not_image", "The file is not a JPEG or PNG image (SVG and other types are refused)."
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ArtworkRefused):
            raise
        raise ArtworkRefused("corrupt", "The image is damaged or incomplete.") from exc
    if info.mode != "RGB":  # Apple's rule; feeds.lint flags anything else
        raise ArtworkRefused("colour", "The image must be in RGB colour (not CMYK or greyscale).")
    return kind, info


_TOO_MANY_PIXELS = "The image has far too many pixels; artwork is at most 3000 × 3000."


def _check_dimensions(info: ArtworkInfo) -> None:
    """Refuse on the header's numbers alone, before anything is decoded."""
    if info.width * info.height > MAX_ARTWORK_PX * MAX_ARTWORK_PX * 4:
        raise ArtworkRefused("too_many_pixels", _TOO_MANY_PIXELS)
    if info.width != info.height:
        raise ArtworkRefused(
            "not_square", f"The image must be square; it is {info.width} × {info.height} px."
        )
    if not MIN_ARTWORK_PX <= info.width <= MAX_ARTWORK_PX:
        raise ArtworkRefused(
            "size",
            f"The image must be 1400 to 3000 px wide and high; it is {info.width} px.",
        )


# --- Converting uploaded artwork (studio) ---------------------------------

ARTWORK_MIN_SIDE = 1400  # Apple's minimum; smaller images are refused, not blown up
ARTWORK_MAX_SIDE = 3000  # Apple's maximum; larger ones are scaled down to it
# A 3000 x 3000 RGBA image decodes to 36 MB; 40 megapixels allows any real camera
# image while a small file that claims more (a decompression bomb) is refused unread.
MAX_ARTWORK_PIXELS = 40_000_000
JPEG_QUALITY = 90


class ArtworkError(ValueError):
    """The upload cannot become artwork; ``code`` says why, for a message in the user's language.

    Codes: ``not_image`` (not JPEG or PNG by its content), ``corrupt``,
    ``too_large`` (too many pixels: a decompression bomb or a huge image),
    ``too_small`` (shorter side under 1400 px).
    """

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


@dataclass(frozen=True)
class ConvertedArtwork:
    """The square RGB JPEG apps get, and what the original was."""

    jpeg: bytes
    side: int
    original: ArtworkInfo


def convert_artwork(data: bytes) -> ConvertedArtwork:
    """Make an uploaded JPEG or PNG into the square RGB JPEG Apple and the apps accept.

    The type comes from the content, never the name, so an SVG or an HTML page
    called ``cover.png`` is refused. A non-square image is cropped to its
    centre square; one larger than 3000 px is scaled down to 3000 x 3000; one
    of 1400-3000 px keeps its size, and a smaller one is refused because
    blowing it up would look blurred in every app. Transparency is laid on
    white, EXIF orientation is applied, and no metadata is carried over.

    :raise ArtworkError: with a code saying what is wrong.
    """
    import warnings

    from PIL import Image, ImageOps

    kind = sniff_image(io.BytesIO(data))
    if kind is None:
        raise ArtworkError("not_image")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = _open_checked(data, kind)
            with image:
                original = ArtworkInfo(image.width, image.height, image.mode, kind.mime_type)
                image.load()
                converted = _square_rgb(ImageOps.exif_transpose(image))
        except ArtworkError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ArtworkError("too_large", str(exc)) from exc
        except (OSError, SyntaxError, ValueError) as exc:  # what Pillow raises for broken files
            raise ArtworkError("corrupt", str(exc)) from exc
    out = io.BytesIO()
    converted.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return ConvertedArtwork(out.getvalue(), converted.width, original)


def _open_checked(data: bytes, kind: ImageType):
    """Open from the header only and refuse before decoding what would not fit in memory."""
    from PIL import Image, UnidentifiedImageError

    try:
        fmt = "JPEG" if kind.extension == ".jpg" else "PNG"
        image = Image.open(io.BytesIO(data), formats=[fmt])
    except UnidentifiedImageError as exc:
        raise ArtworkError("corrupt", str(exc)) from exc
    if image.width * image.height > MAX_ARTWORK_PIXELS:
        image.close()
        raise ArtworkError("too_large", f"{image.width} x {image.height} px")
    if min(image.size) < ARTWORK_MIN_SIDE:
        image.close()
        raise ArtworkError("too_small", f"{image.width} x {image.height} px")
    return image


def _square_rgb(image):
    """Centre square, at most 3000 px, in RGB with any transparency laid on white."""
    from PIL import Image

    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    if side > ARTWORK_MAX_SIDE:
        square = square.resize((ARTWORK_MAX_SIDE, ARTWORK_MAX_SIDE), Image.Resampling.LANCZOS)
    if square.mode in ("RGBA", "LA", "PA") or "transparency" in square.info:
        rgba = square.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if square.mode in ("I;16", "I;16B", "I;16L", "I"):
        square = square.point(lambda value: value / 256).convert("L")
    return square.convert("RGB")


# --- Cover sizes for web pages (public site, embed, sharing cards) ----------------

# The widths pages ask for: a thumbnail and its 2x, the page cover and its 2x, and
# the 1200 px square Open Graph and Twitter accept. A fixed set, so no request can
# make the server scale to any size it likes.
COVER_WIDTHS = (96, 192, 320, 640, 1200)
COVER_QUALITY = 82


def cover_jpeg(data: bytes, side: int) -> bytes:
    """The stored cover as a square JPEG ``side`` px wide, for pages rather than apps.

    Stored covers are square JPEG or PNG of 1400-3000 px (``convert_artwork``,
    ``verify_artwork``); one that is not square is cropped to its centre as apps
    show it. Never scaled up. JPEG's draft mode decodes a 3000 px file at a
    fraction of its size first, which makes a 96 px thumbnail cheap.

    :raise ArtworkError: "corrupt" for bytes Pillow cannot read as an image.
    """
    import warnings

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as image:
                if image.width * image.height > MAX_ARTWORK_PIXELS:
                    raise ArtworkError("too_large", f"{image.width} x {image.height} px")
                image.draft("RGB", (side, side))
                square = _square_rgb(ImageOps.exif_transpose(image))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ArtworkError("too_large", str(exc)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ArtworkError):
            raise
        raise ArtworkError("corrupt", str(exc)) from exc
    if square.width > side:
        square = square.resize((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, "JPEG", quality=COVER_QUALITY, optimize=True, progressive=side >= 640)
    return out.getvalue()
