"""The studio's pages as a producer reads them: the language switch, sizes, the show page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lxml import html

from app.services.uploads import human_size


def test_the_current_language_is_the_pressed_filled_button(studio):
    studio.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    page = html.fromstring(studio.get("/studio/").get_data(as_text=True))
    buttons = {b.get("value"): b for b in page.xpath("//button[@name='language']")}
    assert buttons["sv"].get("aria-pressed") == "true"
    assert buttons["sv"].get("data-variant") == "primary"
    assert buttons["en"].get("aria-pressed") == "false"
    assert buttons["en"].get("data-variant") == "tertiary"


def test_sizes_are_decimal_units_in_the_readers_language(app):
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        assert human_size(481_200) == "481,2 kB"
        assert human_size(4_294_967_296) == "4,3 GB"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert human_size(481_200) == "481.2 kB"
        assert human_size(12) == "12 byte"


def test_the_show_page_leads_with_the_upload_and_filters_by_status(app, studio, show, audio_dir):
    from app.extensions import db
    from app.services.episodes import add_episode

    soon = datetime.now(UTC) + timedelta(days=3)
    with app.app_context():
        for title, when in (
            ("Utkastet", None),
            ("Nästa", soon),
            ("Sedan", soon + timedelta(days=7)),
        ):
            with (audio_dir / "tagged.mp3").open("rb") as stream:
                episode = add_episode(show, stream, title=title, publish=False)
            if when:
                episode.published_at = when
                db.session.commit()
    page = html.fromstring(studio.get(f"/studio/{show}/").get_data(as_text=True))
    main = page.xpath("//main")[0]
    first_link = main.xpath(".//a")[0]
    assert first_link.text_content() == "Upload a new episode"
    next_up = main.xpath(".//*[h2='Next scheduled episode']")[0].text_content()
    assert "Nästa" in next_up and "Sedan" not in next_up
    filters = [
        a.text_content() for a in main.xpath(".//nav[@aria-label='Show episodes by status']//a")
    ]
    assert filters == ["All (3)", "Drafts (1)", "Scheduled (2)", "Published (0)"]
    drafts = html.fromstring(studio.get(f"/studio/{show}/?status=draft").get_data(as_text=True))
    assert [a.text_content() for a in drafts.xpath("//table//td[1]/a")] == ["Utkastet"]
    assert drafts.xpath("//a[@aria-current='page']")[0].text_content() == "Drafts (1)"
    tags = drafts.xpath("//table//span[contains(@class, 'ds-tag')]/text()")
    assert tags == ["Draft"]
