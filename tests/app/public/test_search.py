"""Search over titles and show notes: SQLite FTS5 embedded, PostgreSQL full text in production."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.models import utcnow
from app.services.episodes import add_episode
from app.services.errors import InvalidInput
from app.services.search import MAX_QUERY_LENGTH, search_episodes


@pytest.fixture
def episodes(app, show, audio_dir):
    items = (
        ("Lindängen i förändring", "Boende berättar om upprustningen av husen."),
        ("Holma och Kroksbäck", "Om parker, skolgårdar och <b>mötesplatser</b>."),
        ("Rosengård", "Näringsliv och akademi om innovation i Lindängen och Rosengård."),
    )
    with app.app_context():
        for number, (title, notes) in enumerate(items, start=1):
            with (audio_dir / "tone.mp3").open("rb") as audio:
                add_episode(
                    show,
                    audio,
                    title=title,
                    description=notes,
                    published_at=datetime(2025, 1, number, tzinfo=UTC),
                )
        with (audio_dir / "tone.mp3").open("rb") as audio:
            add_episode(show, audio, title="Lindängen, hemligt utkast", publish=False)
        with (audio_dir / "tone.mp3").open("rb") as audio:
            add_episode(
                show, audio, title="Lindängen i framtiden", published_at=utcnow() + timedelta(1)
            )
    return show


def titles(app, query: str) -> list[str]:
    with app.app_context():
        return [hit.episode_title for hit in search_episodes(query)]


def test_finds_words_in_titles_before_notes(app, episodes):
    assert titles(app, "lindängen") == ["Lindängen i förändring", "Rosengård"]


def test_every_word_must_match_and_the_last_may_be_a_prefix(app, episodes):
    assert titles(app, "innovation lind") == ["Rosengård"]
    assert titles(app, "upprust") == ["Lindängen i förändring"]
    assert titles(app, "parker innovation") == []


def test_diacritics_and_case_are_ignored(app, episodes):
    """On both backends: FTS5's remove_diacritics, PostgreSQL's unaccent (migration 0019)."""
    assert titles(app, "KROKSBÄCK") == ["Holma och Kroksbäck"]
    assert titles(app, "kroksback") == ["Holma och Kroksbäck"]
    assert titles(app, "rosengard") == ["Rosengård"]
    assert titles(app, "ROSENGÅRD") == ["Rosengård"]
    assert titles(app, "RoSeNgA") == ["Rosengård"]  # the last word as a prefix, too


def test_search_page_marks_a_match_typed_without_diacritics(client, episodes):
    page = client.get("/search?q=rosengard").get_data(as_text=True)
    assert "<mark>Rosengård</mark>" in page


def test_drafts_and_scheduled_episodes_are_not_found(app, episodes):
    assert "Lindängen, hemligt utkast" not in titles(app, "lindängen")
    assert "Lindängen i framtiden" not in titles(app, "framtiden")


def test_query_syntax_cannot_break_the_search(app, episodes):
    """Punctuation never reaches the query language; operators are searched as words."""
    for query in ('"', "*", "NEAR(", "a:b", "-", "'; DROP TABLE episodes", "lindängen OR"):
        assert titles(app, query) == [], query


def test_too_long_query_is_refused(app, client, episodes):
    with app.app_context(), pytest.raises(InvalidInput):
        search_episodes("a" * (MAX_QUERY_LENGTH + 1))
    assert client.get("/search?q=" + "a" * (MAX_QUERY_LENGTH + 1)).status_code == 422


def test_search_page_marks_matches_and_escapes_notes(client, episodes):
    page = client.get("/search?q=mötesplatser").get_data(as_text=True)
    assert 'href="/testpodden/episodes/holma-och-kroksback"' in page
    assert "<mark>mötesplatser</mark>" in page
    assert "<b>" not in page  # escaped by SQLite's snippet, dropped by PostgreSQL's headline
    assert "1 avsnitt matchar" in page


def test_edited_titles_are_found_under_their_new_words(app, episodes):
    """The index follows the episode rows (triggers on SQLite, an expression on PostgreSQL)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Episode

    with app.app_context():
        episode = db.session.scalar(select(Episode).where(Episode.title == "Rosengård"))
        episode.title = "Rosengårdsfestivalen"
        db.session.commit()
    assert titles(app, "rosengårdsfestivalen") == ["Rosengårdsfestivalen"]


VTT_SV = """WEBVTT

00:00:00.000 --> 00:00:04.000
<v Programledare>Välkommen till avsnittet.

00:00:04.000 --> 00:00:09.000
Här berättar Fatima om växthuset på taket i Augustenborg.
""".encode()


def add_transcript_to(app, show: str, episode_slug: str, language: str, vtt: bytes) -> None:
    import io

    from app.services.feed_extras import add_transcript

    with app.app_context():
        add_transcript(show, episode_slug, language, io.BytesIO(vtt), "avsnitt.vtt")


def hits(app, query: str):
    with app.app_context():
        return search_episodes(query)


def test_a_word_only_in_a_transcript_is_found_and_marked(app, client, episodes):
    assert hits(app, "växthuset") == []
    add_transcript_to(app, episodes, "holma-och-kroksback", "sv", VTT_SV)
    [hit] = hits(app, "växthuset")
    assert hit.episode_title == "Holma och Kroksbäck"
    assert hit.in_transcript
    assert "<mark>växthuset</mark> på taket" in hit.snippet
    # a word of the title with a word of the transcript: still needs the transcript
    [hit] = hits(app, "holma augustenb")
    assert hit.in_transcript
    page = client.get("/search?q=växthuset").get_data(as_text=True)
    assert "Hittades i transkriptionen:" in page
    assert "<mark>växthuset</mark>" in page


def test_a_transcript_hit_shows_its_line_and_time_linked_to_that_moment(app, client, episodes):
    add_transcript_to(app, episodes, "holma-och-kroksback", "sv", VTT_SV)
    [hit] = hits(app, "VAXTHUSET augusten")
    assert hit.cue_start == 4.0
    assert str(hit.snippet) == (
        "Här berättar Fatima om <mark>växthuset</mark> på taket i <mark>Augustenborg</mark>."
    )
    page = client.get("/search?q=vaxthuset").get_data(as_text=True)
    assert 'href="/testpodden/episodes/holma-och-kroksback#t=4"><span class="cue-time">0:04' in page


def test_a_match_in_the_notes_shows_the_notes(app, episodes):
    add_transcript_to(app, episodes, "holma-och-kroksback", "sv", VTT_SV)
    [hit] = hits(app, "mötesplatser")
    assert not hit.in_transcript
    assert "<mark>mötesplatser</mark>" in hit.snippet


def test_replacing_and_removing_a_transcript_updates_the_index(app, episodes):
    from app.services.feed_extras import remove_transcript

    add_transcript_to(app, episodes, "holma-och-kroksback", "sv", VTT_SV)
    english = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nThe greenhouse on the roof.\n"
    add_transcript_to(app, episodes, "holma-och-kroksback", "en", english)
    assert [h.episode_title for h in hits(app, "greenhouse")] == ["Holma och Kroksbäck"]
    assert [h.episode_title for h in hits(app, "växthuset")] == ["Holma och Kroksbäck"]
    replaced = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nOm cykelbanor.\n"
    add_transcript_to(app, episodes, "holma-och-kroksback", "sv", replaced)
    assert hits(app, "växthuset") == []
    assert [h.episode_title for h in hits(app, "cykelbanor")] == ["Holma och Kroksbäck"]
    with app.app_context():
        remove_transcript(episodes, "holma-och-kroksback", "en")
    assert hits(app, "greenhouse") == []
    assert [h.episode_title for h in hits(app, "cykelbanor")] == ["Holma och Kroksbäck"]


def test_transcripts_of_unpublished_episodes_are_not_found(app, episodes):
    add_transcript_to(app, episodes, "lindangen-hemligt-utkast", "sv", VTT_SV)
    assert hits(app, "växthuset") == []


def test_transcripts_from_the_studio_editor_are_searchable_and_shown(app, client, episodes):
    """The editor stores transcripts its own way; search and the page must still see them."""
    import io

    from sqlalchemy import select

    from app.extensions import db
    from app.models import Episode
    from app.services import editing
    from app.services.shows import get_show

    slug = "holma-och-kroksback"
    with app.app_context():
        show = get_show(episodes)
        episode = db.session.scalar(select(Episode).where(Episode.slug == slug))
        editing.add_transcript(
            show,
            episode.id,
            "sv",
            io.BytesIO(VTT_SV),
            lock_version=episode.lock_version,
            editor=True,
            filename="avsnitt.vtt",
        )
    [hit] = hits(app, "växthuset")
    assert hit.in_transcript
    page = client.get(f"/{episodes}/episodes/{slug}").get_data(as_text=True)
    assert "växthuset på taket i Augustenborg" in page
    with app.app_context():
        episode = db.session.scalar(select(Episode).where(Episode.slug == slug))
        editing.remove_transcript(
            get_show(episodes), episode.id, "sv", lock_version=episode.lock_version, editor=True
        )
    assert hits(app, "växthuset") == []


@pytest.mark.parametrize("query", ["a%00b", "%00"])
def test_a_nul_byte_in_the_query_is_refused(client, episodes, query):
    """PostgreSQL refuses NUL in a text parameter; the request is refused before it."""
    response = client.get("/search?q=" + query, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "character that is not text" in response.get_data(as_text=True)
