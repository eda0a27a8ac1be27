"""The compiled Swedish catalogue, as the studio's wording tables are checked against it."""

from __future__ import annotations

import re
from pathlib import Path

from babel.support import Translations

import app as app_package

TRANSLATIONS = Path(app_package.__file__).parent / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def assert_swedish(wording: str, what: str) -> None:
    """``wording`` has a compiled Swedish msgstr naming the same values (``%(name)s``)."""
    translated = Translations.load(str(TRANSLATIONS), ["sv"]).gettext(wording)
    assert translated != wording, f"no Swedish msgstr for {what} in the compiled catalogue"
    assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(wording))
