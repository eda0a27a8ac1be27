"""verify_artwork: only whole, square, RGB JPEG or PNG of 1400-3000 px gets through."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from media.artwork import ArtworkRefused, verify_artwork


def image(size=(1400, 1400), fmt="JPEG", mode="RGB") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, fmt)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png")])
def test_accepts_jpeg_and_png_and_restores_position(fmt, mime):
    stream = image((3000, 3000), fmt)
    stream.seek(0)
    kind, info = verify_artwork(stream)
    assert (kind.mime_type, info.width, info.mode) == (mime, 3000, "RGB")
    assert stream.tell() == 0


@pytest.mark.parametrize(
    ("stream", "code"),
    [
        (io.BytesIO(image().getvalue()[:3000]), "corrupt"),
        (image(fmt="GIF", mode="P"), "not_image"),
        (image(fmt="WEBP"), "not_image"),
        (io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "not_image"),
        (io.BytesIO(b""), "not_image"),
        (image((1400, 1401)), "not_square"),
        (image((1399, 1399)), "size"),
        (image((3001, 3001), "PNG"), "size"),
        (image(mode="L"), "colour"),
        (image(fmt="PNG", mode="RGBA"), "colour"),
    ],
    ids=["cut", "gif", "webp", "svg", "empty", "not-square", "small", "large", "grey", "rgba"],
)
def test_refuses_with_a_reason(stream, code):
    with pytest.raises(ArtworkRefused) as refused:
        verify_artwork(stream)
    assert refused.value.code == code


def test_refuses_a_header_claiming_too_many_pixels_before_decoding():
    """8000² RGB pixels would be 192 MB decoded, under Pillow's own bomb limit: our check."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", 8000, 8000, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
    data = b"\x89PNG\r\n\x1a\n" + body
    with pytest.raises(ArtworkRefused) as refused:
        verify_artwork(io.BytesIO(data))
    assert refused.value.code == "too_many_pixels"
