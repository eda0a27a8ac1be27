"""convert_artwork turns real uploaded images into square RGB JPEGs and refuses the rest."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from media.artwork import ArtworkError, convert_artwork


def image_bytes(mode: str, size: tuple[int, int], fmt: str, color=None, **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("mode", "size", "fmt", "color", "side"),
    [
        ("RGB", (2000, 1500), "JPEG", (200, 10, 10), 1500),  # cropped to its centre square
        ("RGB", (4000, 4000), "PNG", (10, 200, 10), 3000),  # scaled down to 3000
        ("RGB", (1400, 1400), "PNG", (10, 10, 200), 1400),  # Apple's minimum is kept as is
        ("CMYK", (3000, 3000), "JPEG", (0, 0, 0, 0), 3000),
        ("L", (1600, 1600), "PNG", 128, 1600),
        ("P", (1500, 1500), "PNG", 3, 1500),
        ("I;16", (1500, 1500), "PNG", 40000, 1500),
    ],
)
def test_converts_to_square_rgb_jpeg(mode, size, fmt, color, side):
    result = convert_artwork(image_bytes(mode, size, fmt, color))
    image = decoded(result.jpeg)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (side, side))
    assert result.side == side
    assert (result.original.width, result.original.height) == size
    assert result.original.mime_type == ("image/jpeg" if fmt == "JPEG" else "image/png")


def test_colours_survive():
    image = decoded(convert_artwork(image_bytes("RGB", (1500, 1500), "PNG", (200, 10, 10))).jpeg)
    red, green, blue = image.getpixel((700, 700))
    assert red > 190 and green < 20 and blue < 20
    grey = decoded(convert_artwork(image_bytes("I;16", (1500, 1500), "PNG", 40000)).jpeg)
    assert abs(grey.getpixel((10, 10))[0] - 156) <= 2  # 16-bit scaled, not clipped to white


def test_transparency_lies_on_white():
    image = decoded(convert_artwork(image_bytes("RGBA", (1500, 1500), "PNG", (0, 0, 0, 0))).jpeg)
    assert image.getpixel((10, 10)) == (255, 255, 255)


def test_exif_orientation_is_applied_and_metadata_dropped():
    source = Image.new("RGB", (2000, 1400), (0, 0, 255))
    source.paste((255, 0, 0), (0, 0, 300, 1400))  # a red band on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    exif[0x010F] = "Kameratillverkare"
    buffer = io.BytesIO()
    source.save(buffer, "JPEG", exif=exif.tobytes())
    image = decoded(convert_artwork(buffer.getvalue()).jpeg)
    assert image.size == (1400, 1400)
    # after rotation the red band is at the top, and the crop keeps the centre (blue)
    red, _, blue = image.getpixel((700, 700))
    assert blue > 200 and red < 50
    assert not image.getexif()


def bomb_png(side: int) -> bytes:
    row = b"\x00" * (1 + side // 8)
    pixels = zlib.compress(row * side, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [7000, 20000])
def test_decompression_bombs_are_refused_unread(side):
    """7000² is over our 40 MP limit; 20000² is over Pillow's own bomb error as well."""
    data = bomb_png(side)
    assert len(data) < 100_000
    with pytest.raises(ArtworkError) as refused:
        convert_artwork(data)
    assert refused.value.code == "too_large"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"/></svg>',
            "not_image",
        ),
        (b"<!doctype html><title>x</title><script>alert(1)</script>", "not_image"),
        (b"GIF89a" + b"\x00" * 100, "not_image"),
        (b"\xff\xd8\xff\xe0" + b"this is no jpeg at all" * 10, "corrupt"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "corrupt"),
        (image_bytes("RGB", (1500, 1500), "JPEG", (1, 2, 3))[:3000], "corrupt"),
        (image_bytes("RGB", (1500, 1500), "PNG", (1, 2, 3))[:-30], "corrupt"),
        (image_bytes("RGB", (1399, 3000), "PNG"), "too_small"),
    ],
    ids=[
        "svg",
        "html",
        "gif",
        "jpeg-garbage",
        "png-garbage",
        "truncated-jpeg",
        "truncated-png",
        "too-small",
    ],
)
def test_refusals(data, code):
    with pytest.raises(ArtworkError) as refused:
        convert_artwork(data)
    assert refused.value.code == code
