"""Import notes worded for producers in Swedish and English, for every code an import emits."""

from __future__ import annotations

import ast
import inspect
from typing import get_args

import pytest

import media.fetch
from app.services import imports
from app.services.imports import MESSAGE_CODES, Note
from app.services.uploads import refusal_message
from app.studio.import_text import REUSED, WORDING, import_text
from media.probe import RefusalCode
from tests.support.i18n import assert_swedish


def calls_of(module, name: str) -> list[ast.Call]:
    tree = ast.parse(inspect.getsource(module))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == name
    ]


def fetch_codes() -> set[str]:
    """Every FetchError code media/fetch.py raises, read from its source."""
    return {call.args[0].value for call in calls_of(media.fetch, "FetchError")}


def test_message_codes_lists_every_code_in_the_source_once():
    """A new Note code must go into MESSAGE_CODES, which the wording tests below walk."""
    notes = calls_of(imports, "Note")
    literal = [call.args[0].value for call in notes if isinstance(call.args[0], ast.Constant)]
    assert len(MESSAGE_CODES) == len(set(MESSAGE_CODES))
    assert set(literal) == set(MESSAGE_CODES)
    # The others are a library's own code under its prefix, worded by that code below.
    others = [call.args[0] for call in notes if not isinstance(call.args[0], ast.Constant)]
    assert all(isinstance(code, ast.JoinedStr) for code in others)
    assert sorted(code.values[0].value for code in others) == ["fetch:", "probe:"]


def worded_codes() -> list[str]:
    """The codes the studio words itself: the import's own, and a download's by its code."""
    own = [code for code in MESSAGE_CODES if code not in REUSED]
    return own + sorted(f"fetch:{code}" for code in fetch_codes() | {"http_error"})


@pytest.mark.parametrize("code", worded_codes())
def test_every_code_has_a_wording_and_a_swedish_translation(code):
    """Fails when the import gains a code without studio wording or a compiled msgstr."""
    assert_swedish(WORDING[code], code)


def test_no_wording_for_a_code_the_import_does_not_emit():
    assert set(WORDING) == set(worded_codes())
    assert set(REUSED) <= set(MESSAGE_CODES)


def test_reused_wordings_and_every_probe_code_are_swedish(app):
    """Refused audio and unreadable transcripts keep the words the upload forms use."""
    probe_codes = get_args(RefusalCode)
    assert probe_codes
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = {code: refusal_message(code) for code in probe_codes}
        english.update({code: word() for code, word in REUSED.items()})
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        for code in probe_codes:
            worded = import_text("English.", [{"code": f"probe:{code}", "params": {}}])
            assert worded.lang is None and worded.text != english[code], code
            if code != "not_audio":  # each has its own words, not the fallback's
                assert worded.text != refusal_message("not_audio"), code
        for code in REUSED:
            worded = import_text("English.", [{"code": code, "params": {}}])
            assert worded.lang is None and worded.text != english[code], code


def test_nested_notes_and_sizes_are_worded_in_the_readers_language(app):
    reason = Note(
        "fetch:too_large",
        "http://old.example/a.png is larger than the limit of 51.1 kB.",
        {"url": "http://old.example/a.png", "max_bytes": 51098},
    )
    note = Note("picture-left-out", f"Picture left out: {reason.message}", {"reason": reason})
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        swedish = import_text(note.message, [note.as_data()])
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = import_text(note.message, [note.as_data()])
    assert swedish.text == (
        "En bild utelämnades: http://old.example/a.png är större än gränsen på 51,1 kB."
    )
    assert english.text == (
        "A picture was left out: http://old.example/a.png is larger than the limit of 51.1 kB."
    )
    assert swedish.lang is None and english.lang is None


def test_old_rows_unknown_codes_and_unfitting_params_fall_back_to_english(app):
    message = "Duplicate GUID: item 1 already has “x”; this one was skipped."
    fitting = {"code": "duplicate-guid", "params": {"item": 1, "guid": "x"}}
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        assert import_text(None, None) is None
        old = import_text(message, None)
        unknown = import_text(message, [{"code": "brand-new", "params": {}}])
        unfitting = import_text(message, [{"code": "duplicate-guid", "params": {"item": "x"}}])
        nested_unknown = import_text(
            message, [{"code": "picture-left-out", "params": {"reason": {"code": "brand-new"}}}]
        )
        one_of_two = import_text(message, [fitting, {"code": "brand-new"}])
        known = import_text(message, [fitting])
    for fallback in (old, unknown, unfitting, nested_unknown, one_of_two):
        assert (fallback.text, fallback.lang) == (message, "en")
    assert known.lang is None and known.text.startswith("Avsnitt 1 i flödet har redan GUID:en ”x”")
