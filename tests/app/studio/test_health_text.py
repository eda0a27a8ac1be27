"""Feed health in the studio, worded for producers in Swedish and English."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from PIL import Image

from app.extensions import db
from app.services.shows import get_show
from app.storage import current_storage
from app.studio.health_text import WORDING, health_text
from feeds.lint import CODES, ERROR, Finding
from tests.support.i18n import assert_swedish


@pytest.mark.parametrize("code", CODES)
def test_every_code_has_a_wording_and_a_swedish_translation(code):
    """Fails when feeds/lint.py gains a code without studio wording or a compiled msgstr."""
    assert_swedish(WORDING[code], code)


def test_no_wording_for_a_code_the_linter_does_not_have():
    assert set(WORDING) == set(CODES)


def test_unknown_code_or_unfitting_params_fall_back_to_english(app):
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        unknown = health_text(Finding(ERROR, "brand-new", "Something new is wrong."))
        unfitting = health_text(Finding(ERROR, "invalid-category", "“X” is not an Apple category."))
        known = health_text(
            Finding(ERROR, "invalid-category", "“X” is not...", params={"category": "X"})
        )
    assert (unknown.text, unknown.lang) == ("Something new is wrong.", "en")
    assert (unfitting.text, unfitting.lang) == ("“X” is not an Apple category.", "en")
    assert known.lang is None and known.text.startswith("”X” är inte en av Apples kategorier")


@pytest.fixture
def broken_show(app, show) -> str:
    """The show with no owner's email, no Apple category, and artwork that is not square."""
    with app.app_context():
        found = get_show(show)
        found.owner_email = ""
        found.category = "Kommunalt"
        found.subcategory = None
        image = found.image
        fmt = {"image/jpeg": "JPEG", "image/png": "PNG"}[image.mime_type]
        buffer = io.BytesIO()
        Image.new("RGB", (1400, 1500)).save(buffer, fmt)
        buffer.seek(0)
        current_storage().save(image.storage_key, buffer, image.mime_type)
        db.session.commit()
    return show


def health_items(page: str, kind: str = "missing") -> list[str]:
    """The readiness section's items: what is missing, or (``advice``) worth fixing."""
    found = re.search(rf"<ul[^>]* data-{kind}>(.*?)</ul>", page, re.S)
    return [unescape(item) for item in re.findall(r"<li.*?</li>", found.group(1), re.S)]


def test_findings_in_swedish(studio, broken_show):
    page = studio.get(f"/studio/{broken_show}/", headers={"Accept-Language": "sv"})
    html = page.get_data(as_text=True)
    assert (
        "Inte än: 4 saker saknas innan podden kan skickas till Apple Podcasts och Spotify." in html
    )
    assert health_items(html) == [
        "<li>Podden saknar ägarens e-post, som Apple använder för att nå er: fyll i den under "
        "Inställningar.</li>",
        "<li>”Kommunalt” är inte en av Apples kategorier: välj en annan under Inställningar.</li>",
        "<li>Omslagsbilden är 1400×1500 px, men den måste vara kvadratisk: ladda upp en ny "
        "omslagsbild under Inställningar.</li>",
        "<li>Podden har inget publicerat avsnitt än. Apple Podcasts och Spotify tar emot en podd "
        "först när flödet har minst ett: ladda upp och publicera det första avsnittet.</li>",
    ]
    assert health_items(html, "advice") == [
        "<li>Upphovspersonen är poddens titel, så ingen står som skapare. Fyll i upphovsperson "
        "(till exempel din förvaltning) under Inställningar.</li>"
    ]
    assert 'lang="en"' not in html[html.index("data-readiness") :]


def test_findings_in_english(studio, broken_show):
    html = studio.get(f"/studio/{broken_show}/").get_data(as_text=True)
    assert "Not yet: 4 things are missing before the show can go to" in html
    assert health_items(html)[:3] == [
        "<li>The show has no owner’s email, which Apple uses to reach you: fill it in under "
        "Settings.</li>",
        "<li>“Kommunalt” is not one of Apple’s categories: choose another one under Settings.</li>",
        "<li>The artwork is 1400×1500 px, but it must be square: upload new artwork under "
        "Settings.</li>",
    ]


def test_command_line_says_the_same(runner, broken_show):
    result = runner.invoke(args=["feeds", "check", broken_show])
    assert result.exit_code == 1
    assert "ERROR    channel: The show has no owner’s email" in result.output
    assert "ERROR    channel: “Kommunalt” is not one of Apple’s categories" in result.output
    assert "ERROR    channel: The artwork is 1400×1500 px, but it must be square" in result.output
