"""Whatever colour a web editor picks, the player's text keeps 4.5:1 contrast."""

from __future__ import annotations

import random

import pytest

from app.embed.theme import DARK, LIGHT, contrast, parse_hex, parse_theme
from app.services.errors import InvalidInput


def test_built_in_palettes_reach_aa():
    for palette in (LIGHT, DARK):
        for colour in (palette.text, palette.muted, palette.accent):
            assert contrast(colour, palette.background) >= 4.5
            assert contrast(colour, palette.surface) >= 4.5


def test_any_accent_is_made_readable_in_both_themes():
    rng = random.Random(5)
    colours = ["#ffffff", "#000000", "#777777", "#ffff00", "#0000ff"]
    colours += [f"#{rng.randrange(16**6):06x}" for _ in range(300)]
    for colour in colours:
        theme = parse_theme("auto", colour)
        for palette in (theme.light, theme.dark):
            assert contrast(palette.accent, palette.background) >= 4.5, colour
            assert contrast(palette.accent, palette.surface) >= 4.5, colour


def test_hex_forms():
    assert parse_hex("0A0") == "#00aa00"
    assert parse_hex("#00407A") == "#00407a"
    with pytest.raises(InvalidInput):
        parse_hex("blue")
