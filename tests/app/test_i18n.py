"""The Swedish catalogue covers every message in the code, and its compiled form is current."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

APP = Path(__file__).resolve().parents[2] / "app"
CATALOG = APP / "translations" / "sv" / "LC_MESSAGES"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]


def swedish():
    with (CATALOG / "messages.po").open("rb") as po:
        return read_po(po)


def test_every_message_has_a_swedish_translation():
    catalog = swedish()
    for _filename, _line, message, _comments, _context in extract_from_dir(APP, METHODS):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        assert entry is not None, f"not in the Swedish catalogue: {msgid!r}"
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings), f"no Swedish translation for {msgid!r}"


def test_compiled_catalogue_matches_the_source():
    """Run ``pybabel compile -d app/translations`` after editing the .po file."""
    compiled = io.BytesIO()
    write_mo(compiled, swedish())
    with (CATALOG / "messages.mo").open("rb") as mo:
        committed = read_mo(mo)
    compiled.seek(0)
    expected = read_mo(compiled)
    assert _messages(committed) == _messages(expected)


def _messages(catalog) -> dict:
    """Ids and strings; plural ids come back from .mo files as tuples, hence the key."""
    return {str(m.id): m.string for m in catalog if m.id}


def test_error_pages_speak_the_page_language(client):
    """Title and message are translated, so no part of an error page claims to be English.

    The studio's error pages: tests/app/studio/test_language.py.
    """
    missing = client.get("/finns-inte/").get_data(as_text=True)
    assert '<html lang="sv">' in missing
    assert "<h1>Hittades inte</h1>" in missing
    assert '<p role="alert">Det finns ingen podd som heter ”finns-inte”.</p>' in missing
    english = client.get("/finns-inte/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "<h1>Not found</h1>" in english
    assert '<p role="alert">There is no show called “finns-inte”.</p>' in english
