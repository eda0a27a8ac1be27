"""The player's colours from query parameters, always with WCAG AA contrast.

A city web editor picks the accent colour to match the page; whatever they
pick, the text stays readable: the colour is darkened (light theme) or
lightened (dark theme) just enough to reach 4.5:1 against the background.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.services.errors import InvalidInput

MIN_CONTRAST = 4.5
HEX_COLOUR = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
THEMES = ("light", "dark", "auto")


@dataclass(frozen=True)
class Palette:
    background: str
    text: str
    muted: str
    surface: str
    accent: str


LIGHT = Palette("#ffffff", "#1a1a1a", "#595959", "#f0f0f0", "#00407a")
DARK = Palette("#121212", "#f2f2f2", "#b3b3b3", "#262626", "#8cc4ff")


@dataclass(frozen=True)
class Theme:
    name: str  # light, dark or auto (follows the visitor's system setting)
    light: Palette
    dark: Palette


def parse_theme(name: str | None, colour: str | None) -> Theme:
    """The theme for ``?theme=`` and ``?color=``; both optional.

    :raise InvalidInput: for an unknown theme or a colour that is not #rgb or #rrggbb.
    """
    name = name or "light"
    if name not in THEMES:
        raise InvalidInput(f"theme must be one of {', '.join(THEMES)}.", "theme")
    light, dark = LIGHT, DARK
    if colour:
        accent = parse_hex(colour)
        light = _with_accent(LIGHT, readable_on(accent, LIGHT.background, LIGHT.surface))
        dark = _with_accent(DARK, readable_on(accent, DARK.background, DARK.surface))
    return Theme(name, light, dark)


def parse_hex(colour: str) -> str:
    """``"0a0"`` or ``"#00AA00"`` -> ``"#00aa00"``.

    :raise InvalidInput: for anything else.
    """
    match = HEX_COLOUR.match(colour.strip())
    if not match:
        raise InvalidInput("color must be a hex colour such as 00407a or #00407a.", "color")
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits


def readable_on(colour: str, background: str, *others: str) -> str:
    """``colour``, moved toward black or white until it reaches 4.5:1 on every background.

    >>> readable_on("#ffff00", "#ffffff") != "#ffff00"
    True
    >>> contrast(readable_on("#ffff00", "#ffffff"), "#ffffff") >= 4.5
    True
    >>> readable_on("#00407a", "#ffffff")
    '#00407a'
    """
    target = (0, 0, 0) if luminance(background) > 0.5 else (255, 255, 255)
    rgb = _rgb(colour)
    for step in range(21):
        mixed = tuple(round(c + (t - c) * step / 20) for c, t in zip(rgb, target, strict=True))
        candidate = "#" + "".join(f"{c:02x}" for c in mixed)
        if min(contrast(candidate, b) for b in (background, *others)) >= MIN_CONTRAST:
            return candidate
    return "#" + "".join(f"{c:02x}" for c in target)


def contrast(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio, 1 to 21.

    >>> round(contrast("#000000", "#ffffff"), 1)
    21.0
    """
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _with_accent(palette: Palette, accent: str) -> Palette:
    return Palette(palette.background, palette.text, palette.muted, palette.surface, accent)
