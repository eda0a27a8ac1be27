"""Every studio page, in Swedish and in English, shows no text that skipped the catalogue.

The app runs with a marked copy of the catalogues: every translation (Swedish, and the
English msgids as an English catalogue) is wrapped in ⟦…⟧. A page's visible text, with
the marked parts cut out, must then hold only what is not the studio's wording: the test
data (show and episode titles, e-mail addresses), numbers, and words that Babel's CLDR
data gives (month and language names, units). A label typed straight into a template, a
WTForms default message or a Python constant shown without ``gettext`` stays unmarked,
and the test names it with the page and the language.
"""

from __future__ import annotations

import re
import zoneinfo
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from lxml import html

from app.services.directories import DIRECTORIES
from tests.app.conftest import PASSWORD, csrf_token, log_in
from tests.app.studio.conftest import ADMIN_EMAIL

CATALOG = Path(__file__).resolve().parents[3] / "app" / "translations"
OPEN, CLOSE = "⟦", "⟧"
# Addresses, e-mail addresses and file names are data, not wording.
ADDRESS = re.compile(r"@|://|/|\w\.\w+$")
NUMBER = re.compile(r"[\d\W_]+")
MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
# Text a reader sees besides the elements' own: these attributes are read out or shown.
SHOWN_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")
# Code is quoted, not worded: a command to type is the same in every language.
SKIPPED = {"script", "style", "template", "head", "code"}
# Proper names and codes that are the same in every language.
NAMES = {"svenska", "english"}
# The fixtures' own data, as typed by a producer: cut out before the words are checked.
TEST_DATA = ("En podd för tester.", "Testpodden", "testpodden", "Avsnitt ett", "tagged.mp3")
# Names of apps and directories, the same in every language.
PROPER_NAMES = tuple(DIRECTORIES.values())


@pytest.fixture
def backend() -> str:
    """Wording does not depend on the database; one backend is enough."""
    return "embedded"


@pytest.fixture(scope="session")
def marked_catalogues(tmp_path_factory) -> Path:
    """sv and en catalogues whose every string is wrapped in ⟦…⟧."""
    folder = tmp_path_factory.mktemp("marked-translations")
    with (CATALOG / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        swedish = read_po(po, locale="sv")
    for language in ("sv", "en"):
        with (CATALOG / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalog = read_po(po, locale=language)
        for message in catalog:
            if not message.id:
                continue
            source = swedish[message.id].string if language == "sv" else message.id
            if isinstance(message.id, tuple):
                forms = source if language == "sv" else (message.id[0], message.id[1])
                message.string = tuple(OPEN + form + CLOSE for form in forms)
            else:
                message.string = OPEN + source + CLOSE
            message.flags.discard("fuzzy")
        target = folder / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as mo:
            write_mo(mo, catalog)
    return folder


@pytest.fixture(autouse=True)
def uncached_catalogues():
    """Flask-Babel caches catalogues by language on one Domain for the whole process, so
    an earlier test's Swedish would hide the marked copies; this test starts and ends empty."""
    from app.extensions import babel

    babel.domain_instance.cache.clear()
    yield
    babel.domain_instance.cache.clear()


@pytest.fixture
def app_config(app_config, marked_catalogues):
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": str(marked_catalogues)}


def cldr_words() -> set[str]:
    """Words Babel formats into pages: month and day names, language names, units."""
    words: set[str] = set()
    for code in ("sv", "en"):
        locale = Locale.parse(code)
        for table in (locale.months, locale.days):
            for context in table.values():
                for width in context.values():
                    words.update(_words(" ".join(width.values())))
        words.update(_words(" ".join(locale.languages.values())))
        words.update(_words(" ".join(locale.territories.values())))
    return words | {"kb", "mb", "gb", "b", "byte", "s", "min", "h", "em", "fm", "am", "pm"}


def _words(text: str) -> list[str]:
    return [w for w in (t.strip(".,:;!?()[]«»”“\"'’–—-/…·%×").lower() for t in text.split()) if w]


ALLOWED = cldr_words() | NAMES | {z.lower() for z in zoneinfo.available_timezones()}


def unmarked(page: str) -> list[str]:
    """Visible words of ``page`` that no catalogue entry produced."""
    tree = html.fromstring(page)
    pieces = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in SKIPPED:
            continue
        if any(parent.tag in SKIPPED for parent in element.iterancestors()):
            continue
        pieces.append(element.text or "")
        pieces.extend(element.get(name, "") for name in SHOWN_ATTRIBUTES)
        pieces.extend(v for k, v in element.attrib.items() if k.startswith("data-msg-"))
        if element.tag == "input" and element.get("type") in ("submit", "button"):
            pieces.append(element.get("value", ""))
        pieces.append(element.tail or "")
    pieces.append(tree.findtext(".//title") or "")
    text = " ".join(pieces)
    while MARKED.search(text):
        text = MARKED.sub(" ", text)
    for data in (*TEST_DATA, *PROPER_NAMES):
        text = text.replace(data, " ")
    text = " ".join(token for token in text.split() if not ADDRESS.search(token))
    return [word for word in _words(text) if word not in ALLOWED and not NUMBER.fullmatch(word)]


@pytest.fixture
def pages(app, client, show, episode_id):
    """Every studio page a producer or an admin opens, and the forms after a refused save."""
    from app.services.users import create_user

    with app.app_context():
        create_user(ADMIN_EMAIL, PASSWORD, is_admin=True)
    slug = show
    base = f"/studio/{slug}"

    def refused(url: str, data: dict) -> str:
        token = csrf_token(client, url)
        return client.post(url, data={"csrf_token": token, **data}).get_data(as_text=True)

    def collect() -> dict[str, str]:
        found = {"login": client.get("/studio/login").get_data(as_text=True)}
        found["login, refused"] = refused("/studio/login", {"email": "x", "password": "y"})
        found["invalid link"] = client.get("/studio/account/not-a-token").get_data(as_text=True)
        assert log_in(client, ADMIN_EMAIL).status_code == 302
        for name, url in {
            "shows": "/studio/",
            "show": f"{base}/",
            "show, drafts": f"{base}/?status=draft",
            "settings": f"{base}/settings",
            "members": f"{base}/members",
            "new episode": f"{base}/episodes/new",
            "editor": f"{base}/episodes/{episode_id}/edit",
            "delete episode": f"{base}/episodes/{episode_id}/delete",
            "import and export": f"{base}/import",
            "import a show": "/studio/import",
            "users": "/studio/admin/",
            "new show": "/studio/admin/shows/new",
            "statistics": f"{base}/analytics",
            "not found": "/studio/finns-inte/",
        }.items():
            found[name] = client.get(url).get_data(as_text=True)
        found["new show, refused"] = refused("/studio/admin/shows/new", {})
        found["settings, refused"] = refused(
            f"{base}/settings", {"title": "", "owner_email": "nope", "link_spotify": "nope"}
        )
        found["import a show, refused"] = refused("/studio/import", {"url": "nope"})
        found["new episode, refused"] = refused(f"{base}/episodes/new", {"title": ""})
        client.post("/studio/logout", data={"csrf_token": csrf_token(client, "/studio/")})
        return found

    rendered = {}
    for language in ("sv", "en"):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        rendered[language] = collect()
    return rendered


def test_every_studio_page_is_worded_from_the_catalogue(pages):
    untranslated = {
        f"{language}: {name}": words
        for language, found in pages.items()
        for name, page in found.items()
        if (words := unmarked(page))
    }
    assert untranslated == {}, "\n".join(f"{k}: {v}" for k, v in untranslated.items())


def test_the_marks_reach_the_pages(pages):
    """The check above is real: the marked catalogues are the ones in use, in both languages."""
    assert f"{OPEN}Logga in{CLOSE}" in pages["sv"]["login"]
    assert f"{OPEN}Log in{CLOSE}" in pages["en"]["login"]
    assert unmarked("<p>Statistics for <span>x</span></p>") == ["statistics", "for", "x"]
