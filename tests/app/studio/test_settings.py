"""A show's settings, artwork and members, as its admins manage them in the studio."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from lxml import etree
from PIL import Image

from app.extensions import db
from app.models import Membership, StoredFile
from app.services.shows import episode_defaults, get_show
from app.storage import current_storage
from tests.app.conftest import row_counts, stored_keys
from tests.app.studio.conftest import client_as, database_dump, link_in, member, token_of

SETTINGS = "/studio/testpodden/settings"
ARTWORK = "/studio/testpodden/settings/artwork"
MEMBERS = "/studio/testpodden/members"
NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
}


@pytest.fixture
def show_admin(app, show):
    member(app, show, "show-admin@example.org", "admin")
    return client_as(app, "show-admin@example.org")


def form_of(client, url: str = SETTINGS) -> dict:
    """The settings form as the page fills it, like a browser would submit it unchanged."""
    page = client.get(url).get_data(as_text=True)
    tree = etree.HTML(page)
    form = tree.xpath("//form[contains(@class, 'settings')]")[0]
    data: dict = {}
    for element in form.iter("input", "textarea", "select"):
        name = element.get("name")
        if not name:
            continue
        if element.tag == "textarea":
            value = element.text or ""
        elif element.tag == "select":
            selected = element.xpath(".//option[@selected]")
            value = selected[0].get("value") if selected else ""
        elif element.get("type") == "checkbox":
            if element.get("checked") is None:
                continue
            value = element.get("value") or "y"
        else:
            value = element.get("value") or ""
        data.setdefault(name, []).append(value)
    return data


def feed(client) -> etree._Element:
    return etree.fromstring(client.get("/testpodden/feed.xml").data)


def test_settings_change_reaches_the_feed(app, show_admin):
    """Feed cache goes stale on commit: the very next feed GET shows the change."""
    assert b"<title>Testpodden</title>" in show_admin.get("/testpodden/feed.xml").data
    data = form_of(show_admin)
    data.update(
        {
            "title": ["Nya Testpodden"],
            "author": ["Malmö stad"],
            "category": ["Society & Culture::Documentary"],
            "timezone": ["America/New_York"],
            "itunes_type": ["serial"],
            "explicit": ["y"],
            "license": ["CC-BY-4.0"],
            "funding": ["https://malmo.se/stod | Stöd oss"],
            "location_name": ["Rosengård, Malmö"],
            "person_name": ["Anna Andersson", "", "", ""],
            "person_role": ["host", "", "", ""],
            "link_spotify": ["https://open.spotify.com/show/abc"],
        }
    )
    response = show_admin.post(SETTINGS, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    channel = feed(show_admin).find("channel")
    assert channel.findtext("title") == "Nya Testpodden"
    assert channel.findtext("itunes:author", namespaces=NS) == "Malmö stad"
    assert channel.findtext("itunes:type", namespaces=NS) == "serial"
    assert channel.findtext("itunes:explicit", namespaces=NS) == "true"
    assert channel.findtext("podcast:license", namespaces=NS) == "CC-BY-4.0"
    assert channel.findtext("podcast:person", namespaces=NS) == "Anna Andersson"
    assert channel.find("podcast:funding", NS).get("url") == "https://malmo.se/stod"
    assert channel.findtext("podcast:location", namespaces=NS) == "Rosengård, Malmö"
    category = channel.find("itunes:category", NS)
    assert category.get("text") == "Society & Culture"
    assert category.find("itunes:category", NS).get("text") == "Documentary"
    with app.app_context():
        saved = get_show("testpodden")
        assert saved.timezone == "America/New_York"
        assert [link.url for link in saved.directory_links] == ["https://open.spotify.com/show/abc"]
    # The page shows what was saved.
    assert form_of(show_admin)["person_name"][0] == "Anna Andersson"


def test_episode_defaults_follow_the_show(app, show_admin):
    data = form_of(show_admin)
    data.update(
        {
            "explicit": ["y"],
            "license": ["CC-BY-SA-4.0"],
            "person_name": ["Bo Berg", "Cia Ek", "", ""],
            "person_role": ["host", "guest", "", ""],
        }
    )
    assert show_admin.post(SETTINGS, data=data).status_code == 302
    with app.app_context():
        defaults = episode_defaults(get_show("testpodden"))
    assert defaults["explicit"] is True
    assert defaults["license"] == "CC-BY-SA-4.0"
    assert [(p["name"], p["role"]) for p in defaults["persons"]] == [
        ("Bo Berg", "host"),
        ("Cia Ek", "guest"),
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Europe/Malmo", "time zone"),
        ("category", "Government::Documentary", "does not belong"),
        ("language", "svenska språket", "language code"),
        ("owner_email", "inte-en-adress", "valid email"),
        ("title", "", "required"),
        ("new_feed_url", "ftp://example.org/feed", "https://"),
        ("feed_page_size", "0", "1 to 10000"),
        ("funding", "http://osäker.se | x", "https://"),
        ("podroll", "inte-en-guid", "GUID"),
        ("copyright", "x" * 300, "At most 255"),
    ],
)
def test_refused_field_keeps_input_and_changes_nothing(app, show_admin, field, value, message):
    data = form_of(show_admin)
    data["description"] = ["En ny beskrivning som ska stå kvar"]
    data[field] = [value]
    before = database_dump(app)
    response = show_admin.post(SETTINGS, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code in (400, 422)
    error = re.search(
        rf'<p class="ds-validation-message"[^>]* id="{field}-error">([^<]*)</p>',
        page,
    )
    assert error and message in error.group(1), page[page.find("ds-validation-message") - 300 :][
        :800
    ]
    assert f'aria-describedby="{field}-help {field}-error"' in page or (
        f'aria-describedby="{field}-error"' in page
    )
    assert "En ny beskrivning som ska stå kvar" in page
    assert database_dump(app) == before


def described_input(page: str, input_id: str) -> tuple[etree._Element, str]:
    """The input with ``input_id`` and the text of the element its aria-describedby names,
    which must be an error message right beside it (in the same table cell or after it)."""
    tree = etree.HTML(page)
    (element,) = tree.xpath(f'//input[@id="{input_id}"]')
    assert element.get("aria-invalid") == "true", etree.tostring(element)
    (described,) = element.get("aria-describedby").split()
    (message,) = tree.xpath(f'//*[@id="{described}"]')
    assert message.get("class") == "ds-validation-message"
    assert message.getparent() is element.getparent()
    assert message.getprevious() is element
    return element, message.text


def test_person_without_name_is_refused_beside_the_name(app, show_admin):
    data = form_of(show_admin)
    data.update({"person_name": ["", "", ""], "person_role": ["host", "", ""]})
    before = database_dump(app)
    response = show_admin.post(SETTINGS, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    name, message = described_input(page, "persons-0-name")
    assert message == "Every person needs a name."
    assert name.get("name") == "person_name" and name.get("aria-label") == "Name 1"
    (role,) = etree.HTML(page).xpath('//select[@id="persons-0-role"]')
    assert role.xpath("option[@selected]/@value") == ["host"]
    assert role.get("aria-invalid") is None
    assert 'role="alert"' not in page  # nothing above the form
    assert page.count('aria-invalid="true"') == 1
    assert database_dump(app) == before


def test_bad_address_of_the_second_person_is_refused_in_its_cell(app, show_admin):
    data = form_of(show_admin)
    data.update(
        {
            "person_name": ["Anna", "Bo", ""],
            "person_role": ["host", "guest", ""],
            "person_href": ["https://malmo.se/anna", "inte en adress", ""],
        }
    )
    before = database_dump(app)
    show_admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    page = show_admin.post(SETTINGS, data=data).get_data(as_text=True)
    element, message = described_input(page, "persons-1-href")
    assert message == "Ange en fullständig adress som börjar med https://."
    assert element.get("value") == "inte en adress"
    tree = etree.HTML(page)
    assert tree.xpath('//input[@id="persons-0-name"]/@value') == ["Anna"]
    assert tree.xpath('//input[@id="persons-1-name"]/@value') == ["Bo"]
    assert database_dump(app) == before


def test_bad_directory_link_is_refused_beside_it(app, show_admin):
    data = form_of(show_admin)
    data["link_spotify"] = ["http://open.spotify.com/show/1"]
    data["description"] = ["Ny beskrivning"]
    before = database_dump(app)
    response = show_admin.post(SETTINGS, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    element, message = described_input(page, "link_spotify")
    assert message == "Give a full address starting with https://."
    assert element.get("value") == "http://open.spotify.com/show/1"
    assert etree.HTML(page).xpath('//label[@for="link_spotify"]/text()') == ["Spotify"]
    assert "Ny beskrivning" in page
    assert database_dump(app) == before


def test_every_refused_field_is_shown_at_once(app, show_admin):
    """A producer fixing a long form sees all its mistakes after one save, not one per save."""
    data = form_of(show_admin)
    data.update(
        {
            "language": ["svenska språket"],
            "owner_email": ["inte-en-adress"],
            "timezone": ["Europe/Malmo"],
            "podroll": ["inte-en-guid"],
            "person_name": ["", "Bo", ""],
            "person_role": ["host", "guest", ""],
            "person_href": ["", "inte en adress", ""],
            "link_spotify": ["http://open.spotify.com/show/1"],
        }
    )
    before = database_dump(app)
    response = show_admin.post(SETTINGS, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field, message in {
        "language": "language code",
        "owner_email": "valid email",
        "timezone": "time zone",
        "podroll": "GUID",
    }.items():
        error = re.search(
            rf'<p class="ds-validation-message"[^>]* id="{field}-error">([^<]*)</p>',
            page,
        )
        assert error and message in error.group(1), field
    assert described_input(page, "persons-0-name")[1] == "Every person needs a name."
    assert described_input(page, "persons-1-href")[1].startswith("Give a full address")
    assert described_input(page, "link_spotify")[1].startswith("Give a full address")
    assert page.count('aria-invalid="true"') == 7
    assert database_dump(app) == before
    # Above the long form, each mistake once, linked to its input, in the page's order.
    summary = etree.HTML(page).xpath("//section[@data-error-summary]")[0]
    assert summary.xpath("h2/text()") == ["7 things to fix before saving"]
    assert [a.get("href") for a in summary.xpath(".//a")] == [
        "#language",
        "#owner_email",
        "#timezone",
        "#persons-0-name",
        "#persons-1-href",
        "#link_spotify",
        "#podroll",
    ]
    texts = ["".join(a.itertext()) for a in summary.xpath(".//a")]
    assert texts[3] == "Name 1: Every person needs a name."
    assert texts[4].startswith("Web page 2: Give a full address")
    assert texts[5].startswith("Spotify: Give a full address")


# --- artwork ---------------------------------------------------------------------


def image_file(size=(2000, 1500), fmt="PNG", mode="RGB", color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt)
    return buffer.getvalue()


def post_artwork(client, data: bytes, name: str):
    return client.post(
        ARTWORK,
        data={"csrf_token": token_of(client, SETTINGS), "artwork": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_artwork_is_made_square_jpeg_and_original_kept(app, show_admin):
    original = image_file((2000, 1500), "PNG")
    old_keys = stored_keys(app)
    response = post_artwork(show_admin, original, "omslag.png")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        saved = get_show("testpodden")
        image, kept = saved.image, saved.image_original
        assert image.mime_type == "image/jpeg" and image.storage_key.endswith(".jpg")
        assert kept.mime_type == "image/png" and kept.original_filename == "omslag.png"
        storage = current_storage()
        with storage.open(kept.storage_key) as stream:
            assert stream.read() == original
        with storage.open(image.storage_key) as stream:
            converted = Image.open(io.BytesIO(stream.read()))
            assert (converted.format, converted.mode, converted.size) == (
                "JPEG",
                "RGB",
                (1500, 1500),
            )
        image_key, kept_key = image.storage_key, kept.storage_key
    # the placeholder is gone from storage and the database; only the two new objects remain
    assert stored_keys(app) == sorted([image_key, kept_key])
    assert not set(old_keys) & set(stored_keys(app))
    channel = feed(show_admin).find("channel")
    assert channel.find("itunes:image", NS).get("href").endswith(image_key)


BOMB_SIDE = 20_000


def bomb_png() -> bytes:
    """A real, valid PNG of 20000 x 20000 one-bit pixels: 400 megapixels in about 50 KB."""
    row = b"\x00" + b"\x00" * (BOMB_SIDE // 8)
    pixels = zlib.compress(row * BOMB_SIDE, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", BOMB_SIDE, BOMB_SIDE, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="3000" height="3000">'
    b"<script>alert(1)</script></svg>"
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (SVG, "omslag.svg", "not a JPEG or PNG"),
        (SVG, "omslag.png", "not a JPEG or PNG"),
        (HTML, "omslag.jpg", "not a JPEG or PNG"),
        (image_file(fmt="JPEG")[:5000], "trasig.jpg", "damaged"),
        (image_file(fmt="PNG")[:200] + b"\x00" * 300, "trasig.png", "damaged"),
        (bomb_png(), "bomb.png", "too many pixels"),
        (image_file((800, 800)), "liten.png", "too small"),
        (image_file((100, 100), "GIF", "P", 1), "bild.gif", "not a JPEG or PNG"),
        (b"", "tom.png", "Choose an image"),
    ],
    ids=[
        "svg",
        "svg-as-png",
        "html-as-jpg",
        "truncated-jpeg",
        "corrupt-png",
        "bomb",
        "small",
        "gif",
        "empty",
    ],
)
def test_bad_artwork_is_refused_and_nothing_kept(app, show_admin, data, name, message):
    before = row_counts(app), stored_keys(app), database_dump(app)
    response = post_artwork(show_admin, data, name)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page
    error = re.search(
        r'<p class="ds-validation-message"[^>]* id="artwork-error">([^<]*)</p>',
        page,
    )
    assert error and message in error.group(1)
    assert (row_counts(app), stored_keys(app), database_dump(app)) == before


def test_artwork_error_in_swedish(app, show_admin):
    show_admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    page = post_artwork(show_admin, SVG, "omslag.png").get_data(as_text=True)
    assert "Filen är ingen JPEG- eller PNG-bild." in page
    assert '<html lang="sv">' in page


# --- members ---------------------------------------------------------------------


def test_show_admin_invites_new_person_with_a_link(app, show_admin):
    response = show_admin.post(
        MEMBERS,
        data={
            "csrf_token": token_of(show_admin, MEMBERS),
            "email": "Ny@Example.org",
            "role": "author",
        },
    )
    assert response.status_code == 200
    link = link_in(response.get_data(as_text=True))
    assert "/studio/account/" in link
    with app.app_context():
        show = get_show("testpodden")
        user = db.session.scalar(
            db.select(Membership).where(Membership.show_id == show.id, Membership.role == "author")
        ).user
        assert user.email == "ny@example.org" and not user.has_password


def test_existing_user_only_gets_the_role(app, show_admin):
    member(app, "testpodden", "finns@example.org", "author")
    response = show_admin.post(
        MEMBERS,
        data={
            "csrf_token": token_of(show_admin, MEMBERS),
            "email": "finns@example.org",
            "role": "editor",
        },
    )
    page = response.get_data(as_text=True)
    assert "already has an account" in page and 'id="one-time-link"' not in page
    with app.app_context():
        roles = {m.user.email: m.role for m in db.session.scalars(db.select(Membership))}
    assert roles["finns@example.org"] == "editor"


def test_change_role_remove_and_not_self(app, show_admin):
    other = member(app, "testpodden", "annan@example.org", "author")
    token = token_of(show_admin, MEMBERS)
    url = f"{MEMBERS}/{other}"
    assert show_admin.post(url, data={"csrf_token": token, "role": "editor"}).status_code == 302
    with app.app_context():
        show_id = get_show("testpodden").id
        assert db.session.get(Membership, (other, show_id)).role == "editor"
    assert show_admin.post(url, data={"csrf_token": token, "role": ""}).status_code == 302
    with app.app_context():
        assert db.session.get(Membership, (other, show_id)) is None
    # removed: no longer a member, so 404
    assert show_admin.post(url, data={"csrf_token": token, "role": "admin"}).status_code == 404
    with app.app_context():
        my_id = db.session.scalar(db.select(Membership.user_id).where(Membership.role == "admin"))
    response = show_admin.post(
        f"{MEMBERS}/{my_id}", data={"csrf_token": token, "role": "author"}, follow_redirects=True
    )
    assert "You cannot change your own role." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Membership, (my_id, show_id)).role == "admin"


def test_invalid_member_email_stays_in_the_form(app, show_admin):
    before = database_dump(app)
    response = show_admin.post(
        MEMBERS,
        data={
            "csrf_token": token_of(show_admin, MEMBERS),
            "email": "inte en adress",
            "role": "author",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="email-error">Enter a valid email address.<', page)
    assert 'value="inte en adress"' in page
    assert database_dump(app) == before


def test_stored_file_rows_match_storage_after_artwork(app, show_admin):
    post_artwork(show_admin, image_file((3200, 3200), "JPEG"), "stor.jpg")
    with app.app_context():
        keys = sorted(db.session.scalars(db.select(StoredFile.storage_key)))
    assert keys == stored_keys(app)


def test_the_form_lists_its_fields_in_the_pages_order(app, show_admin):
    """The error summary follows the form's field order; it must be the order on the page."""
    from app.studio.account_forms import ShowSettingsForm

    tree = etree.HTML(show_admin.get(SETTINGS).get_data(as_text=True))
    [form] = tree.xpath("//form[contains(@class, 'settings')]")
    on_page = [e.get("id") for e in form.iter("input", "textarea", "select") if e.get("id")]
    with app.test_request_context():
        names = [f.id for f in ShowSettingsForm(meta={"csrf": False})]
    shown = [name for name in names if name in on_page]
    assert shown == [name for name in on_page if name in names]
    assert len(shown) == len(names)  # every field is on the page
