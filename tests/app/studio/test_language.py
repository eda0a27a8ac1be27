"""Refusals in the studio speak the user's language: access errors, error pages and the
validation messages of the services the studio and the import page share."""

from __future__ import annotations

import io
import re

import pytest

from app.services.errors import InvalidInput, NotFound
from app.services.feed_extras import (
    add_transcript,
    set_chapters,
    set_persons,
    transcript_document,
    update_episode_feed,
    update_show_feed,
)
from app.services.shows import create_show
from tests.app.conftest import row_counts, stored_keys
from tests.app.studio.conftest import client_as, database_dump, member, token_of

OTHER = "annan-podd"

MESSAGES = {
    "sv": {
        "404": ("Hittades inte", f"Det finns ingen podd som heter ”{OTHER}”."),
        "403": ("Inte tillåtet", "Din roll i den här podden tillåter inte det här."),
    },
    "en": {
        "404": ("Not found", f"There is no show called “{OTHER}”."),
        "403": ("Not allowed", "Your role on this show does not allow this."),
    },
}


@pytest.fixture
def other_show(app, show):
    """A show the user below is no member of."""
    with app.app_context():
        create_show(OTHER, title="Annan podd", language="sv", owner_email="x@example.org")
    return OTHER


@pytest.fixture
def episode(app, show, audio_dir) -> str:
    from app.services.episodes import add_episode

    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as audio:
        return add_episode(show, audio, title="Rosengård", filename="tone.mp3").slug


def speaking(client, language: str):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def error_page(response) -> tuple[str, str, str]:
    """The page's language, heading and alert text."""
    page = response.get_data(as_text=True)
    lang = re.search(r'<html lang="([^"]+)"', page)
    heading = re.search(r"<h1>([^<]*)</h1>", page)
    alert = re.search(r'<p role="alert">([^<]*)</p>', page)
    assert lang and heading and alert, page
    return lang.group(1), heading.group(1), alert.group(1)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_non_member_gets_404_in_own_language(app, show, other_show, language):
    member(app, show, "author@example.org", "author")
    client = speaking(client_as(app, "author@example.org"), language)
    title, message = MESSAGES[language]["404"]

    response = client.get(f"/studio/{OTHER}/settings")
    assert response.status_code == 404
    assert error_page(response) == (language, title, message)

    api = client.post(
        f"/studio/{OTHER}/uploads",
        json={"filename": "a.mp3", "size": 1000},
        headers={"X-CSRFToken": token_of(client), "Accept": "application/json"},
    )
    assert api.status_code == 404
    assert api.get_json() == {"error": title, "message": message}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_author_gets_403_on_admin_route_in_own_language(app, show, language):
    member(app, show, "author@example.org", "author")
    client = speaking(client_as(app, "author@example.org"), language)
    title, message = MESSAGES[language]["403"]
    before = database_dump(app)

    response = client.get(f"/studio/{show}/settings")
    assert response.status_code == 403
    assert error_page(response) == (language, title, message)

    response = client.post(
        f"/studio/{show}/members",
        data={"csrf_token": token_of(client), "email": "x@example.org", "role": "admin"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 403
    assert response.get_json() == {"error": title, "message": message}
    assert database_dump(app) == before


def test_switcher_choice_wins_over_the_browser(app, show, other_show):
    """The language picked in the studio is the error page's, whatever the browser asks."""
    member(app, show, "author@example.org", "author")
    client = speaking(client_as(app, "author@example.org"), "en")
    client.post("/studio/language", data={"csrf_token": token_of(client), "language": "sv"})
    response = client.get(f"/studio/{OTHER}/")
    assert error_page(response) == ("sv", *MESSAGES["sv"]["404"])


@pytest.mark.parametrize(
    ("language", "title", "message"),
    [
        ("sv", "Hittades inte", "Det finns ingen sida på den här adressen."),
        ("en", "Not found", "There is no page at this address."),
    ],
)
def test_unknown_address_is_a_translated_404(app, show, language, title, message):
    member(app, show, "author@example.org", "author")
    client = speaking(client_as(app, "author@example.org"), language)
    response = client.get(f"/studio/{show}/finns/inte")
    assert response.status_code == 404
    lang, heading, alert = error_page(response)
    assert (lang, heading) == (language, title)
    assert alert.startswith(message)


def test_expired_form_is_refused_in_swedish(app, show):
    member(app, show, "admin@example.org", "admin")
    client = speaking(client_as(app, "admin@example.org"), "sv")
    response = client.post(f"/studio/{show}/members", data={"email": "x@example.org"})
    assert response.status_code == 400
    assert error_page(response)[1:] == (
        "Felaktig begäran",
        "Formuläret har gått ut; ladda om sidan och försök igen.",
    )


# --- feed_extras: the same checks in the user's language ----------------------------


SWEDISH_REFUSALS = [
    (
        lambda show, episode: update_show_feed(show, category="Pottery"),
        "”Pottery” / ”None” finns inte i Apples kategorilista.",
    ),
    (
        lambda show, episode: update_show_feed(show, feed_page_size=0),
        "En flödessida måste rymma minst ett avsnitt.",
    ),
    (
        lambda show, episode: update_show_feed(show, itunes_type="daily"),
        "itunes_type måste vara något av episodic, serial.",
    ),
    (
        lambda show, episode: update_show_feed(show, funding=[{"url": "https://x.se"}]),
        "Varje post i funding behöver url, text.",
    ),
    (
        lambda show, episode: update_show_feed(show, location_name="x" * 200),
        "location_name får vara högst 128 tecken.",
    ),
    (
        lambda show, episode: update_episode_feed(show, episode, season_number=-1),
        "Avsnitts- och säsongsnummer är 0 eller mer.",
    ),
    (
        lambda show, episode: update_episode_feed(
            show, episode, soundbites=[{"start": "x", "duration": 3}]
        ),
        "Ett smakprovs start och längd anges i sekunder.",
    ),
    (
        lambda show, episode: set_persons(show, [{"name": " "}]),
        "Varje person behöver ett namn.",
    ),
    (
        lambda show, episode: set_chapters(show, episode, [{"title": "", "start": 0}]),
        "Varje kapitel behöver en titel och en start på 0 s eller senare.",
    ),
    (
        lambda show, episode: add_transcript(show, episode, "sv", io.BytesIO(b"inget")),
        "Filen är ingen WebVTT-, SRT-, JSON- eller HTML-transkription. "
        "Ladda upp en .vtt-, .srt-, .json- eller .html-fil.",
    ),
    (
        lambda show, episode: add_transcript(show, episode, "", io.BytesIO(b"")),
        "Ange transkriptionens språkkod, till exempel ”sv”.",
    ),
]


@pytest.mark.parametrize(("call", "message"), SWEDISH_REFUSALS)
def test_feed_extras_refusals_in_swedish(app, show, episode, call, message):
    before = row_counts(app), stored_keys(app)
    swedish = app.test_request_context(headers={"Accept-Language": "sv"})
    with swedish, pytest.raises(InvalidInput) as refused:
        call(show, episode)
    assert refused.value.message == message
    assert (row_counts(app), stored_keys(app)) == before


def test_feed_extras_refusals_stay_english_outside_a_request(app, show):
    """The CLI's language: no request, no Accept-Language."""
    with app.app_context(), pytest.raises(InvalidInput, match="at least one episode"):
        update_show_feed(show, feed_page_size=0)


def test_missing_transcript_is_a_swedish_404(app, show, episode):
    swedish = app.test_request_context(headers={"Accept-Language": "sv"})
    with swedish, pytest.raises(NotFound, match="Transkriptioner finns som vtt"):
        transcript_document(show, episode, "sv", "doc")


def test_unreadable_alternate_enclosure_is_refused_in_swedish(app, show, episode):
    from app.services.errors import UnsupportedMedia
    from app.services.feed_extras import add_alternate_enclosure

    before = row_counts(app), stored_keys(app)
    swedish = app.test_request_context(headers={"Accept-Language": "sv"})
    with swedish, pytest.raises(UnsupportedMedia) as refused:
        add_alternate_enclosure(show, episode, io.BytesIO(b"<html>inget ljud</html>"))
    assert refused.value.message.startswith("Det här är inte en ljudfil som vi känner igen.")
    assert (row_counts(app), stored_keys(app)) == before


# --- the import page: the feed's refusals, worded by the app ------------------------


@pytest.mark.parametrize(
    ("feed", "message"),
    [
        (b"inte xml alls", "Filen är inget flöde: den är inte välformad XML."),
        (b"<html><body>Flyttad</body></html>", "Det här är XML men inget RSS-flöde"),
        (b"<rss><channel></channel></rss>", "Flödets kanal har ingen titel."),
    ],
)
def test_refused_feed_file_in_swedish(app, admin_client, feed, message):
    client = speaking(admin_client, "sv")
    response = client.post(
        "/studio/import",
        data={
            "csrf_token": token_of(client, "/studio/import"),
            "feed_file": (io.BytesIO(feed), "feed.xml"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(
        r'<p class="ds-validation-message"[^>]* id="feed_file-error">([^<]*)</p>',
        page,
    )
    assert error and message in error.group(1).replace("&lt;", "<").replace("&gt;", ">"), page
