"""Show notes: what survives sanitizing, and the plain-text description."""

from __future__ import annotations

from feeds.notes import limit_bytes, plain_text, sanitize_notes


def test_scripts_styles_and_javascript_links_are_removed():
    dirty = (
        '<p onclick="x()">Hej<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">x</a><style>p{}</style><img src="a.png">'
    )
    clean = sanitize_notes(dirty)
    assert clean == '<p>Hej</p><a rel="noopener nofollow">x</a>'


def test_links_and_lists_are_kept():
    notes = '<ul><li><a href="https://malmo.se">Malmö</a></li></ul>'
    assert sanitize_notes(notes) == (
        '<ul><li><a href="https://malmo.se" rel="noopener nofollow">Malmö</a></li></ul>'
    )


def test_plain_text_keeps_paragraphs_and_decodes_entities():
    notes = "<p>Skola &amp; omsorg</p><p>Rad ett<br>rad två</p>"
    assert plain_text(notes) == "Skola & omsorg\nRad ett\nrad två"


def test_limit_bytes_never_splits_a_character():
    cut = limit_bytes("ö" * 3000, 4000)
    assert len(cut.encode()) <= 4000
    assert cut.endswith("…")
    assert limit_bytes("kort", 4000) == "kort"
