"""inspect_artwork reads real images made with Pillow."""

from __future__ import annotations

import io

from PIL import Image

from media.artwork import ArtworkInfo, inspect_artwork, placeholder_png


def image_bytes(mode: str, size: tuple[int, int], fmt: str) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, fmt)
    buffer.seek(0)
    return buffer


def test_placeholder_is_valid_artwork():
    info = inspect_artwork(io.BytesIO(placeholder_png()))
    assert info == ArtworkInfo(1400, 1400, "RGB", "image/png")


def test_reads_jpeg_cmyk_and_restores_position():
    stream = image_bytes("CMYK", (1500, 1400), "JPEG")
    assert inspect_artwork(stream) == ArtworkInfo(1500, 1400, "CMYK", "image/jpeg")
    assert stream.tell() == 0


def test_gif_and_garbage():
    assert inspect_artwork(image_bytes("P", (10, 10), "GIF")).mime_type == "image/gif"
    assert inspect_artwork(io.BytesIO(b"not an image at all")) is None
