"""Other audio formats in the editor: podcast:alternateEnclosure without the command line.

Real audio (an MP3 episode, M4A and Opus alternates) through the real forms, on
both backends. Every refusal is checked for its message beside its field and
for leaving no row and no stored object behind.
"""

from __future__ import annotations

import io

import pytest
from lxml import etree
from sqlalchemy import select

from app.extensions import db
from app.models import AlternateEnclosure, Episode, StoredFile
from app.services.episodes import add_episode
from app.services.shows import get_show
from media.probe import probe_audio
from media.synth import synthesize
from tests.app.conftest import csrf_token, log_in, row_counts, stored_keys
from tests.app.studio.test_editor import edit_url, episode_row, post_file, save, version

NS = {"podcast": "https://podcastindex.org/namespace/1.0"}
BASE = "http://podcasts.test"


@pytest.fixture
def other_episode_id(app, audio_dir) -> int:
    """An episode of another show, with an Opus alternate of its own."""
    from app.services.feed_extras import add_alternate_enclosure
    from app.services.shows import create_show

    with app.app_context():
        create_show("andra", title="Andra", language="sv", owner_email="a@example.org")
        with (audio_dir / "tone.mp3").open("rb") as stream:
            episode = add_episode("andra", stream, title="Främmande")
        with (audio_dir / "tone.opus").open("rb") as stream:
            add_alternate_enclosure("andra", episode.slug, stream)
        return episode.id


def add(client, app, show, episode_id, content: bytes, name: str = "", title: str = ""):
    """Post the "Other audio formats" form; ``name`` empty means no file was chosen."""
    if not name:
        data = {
            "csrf_token": csrf_token(client, edit_url(show, episode_id)),
            "lock_version": str(version(app, episode_id)),
            "alternate_title": title,
        }
        return client.post(
            edit_url(show, episode_id, "alternates"), data=data, content_type="multipart/form-data"
        )
    return post_file(
        client,
        app,
        show,
        episode_id,
        "alternates",
        "alternate",
        content,
        name,
        alternate_title=title,
    )


def remove(client, app, show, episode_id, alternate_id: int, lock: int | None = None):
    data = {
        "csrf_token": csrf_token(client, edit_url(show, episode_id)),
        "lock_version": str(version(app, episode_id) if lock is None else lock),
    }
    return client.post(edit_url(show, episode_id, f"alternates/{alternate_id}/remove"), data=data)


def alternates(app, episode_id: int) -> list[tuple[int, str, str | None, str]]:
    """(id, MIME type, title, storage key) of the episode's alternates."""
    with app.app_context():
        rows = db.session.scalars(
            select(AlternateEnclosure).where(AlternateEnclosure.episode_id == episode_id)
        )
        return [(a.id, a.file.mime_type, a.title, a.file.storage_key) for a in rows]


def everything(app) -> tuple:
    """Rows (alternates included) and stored objects: what a refusal must leave alone."""
    with app.app_context():
        count = db.session.query(AlternateEnclosure).count()
    return row_counts(app), count, stored_keys(app)


def page_tree(response) -> etree._Element:
    return etree.HTML(response.get_data(as_text=True))


def section_rows(page: etree._Element) -> list[list[str]]:
    """The cells of the "Other audio formats" table, as text."""
    table = page.xpath('//h2[@id="alternates"]/following-sibling::table[1]')
    if not table:
        return []
    return [
        [" ".join("".join(td.itertext()).split()) for td in tr.xpath("td")]
        for tr in table[0].xpath("tbody/tr")
    ]


def feed_alternates(client, show: str) -> list[etree._Element]:
    tree = etree.fromstring(client.get(f"/{show}/feed.xml").data)
    return tree.xpath("//item/podcast:alternateEnclosure", namespaces=NS)


def bitrate(content: bytes) -> int:
    """What the probe says, so the expected text does not depend on the encoder's version."""
    rate = probe_audio(io.BytesIO(content)).bitrate
    assert rate
    return rate


def publish(client, app, show, episode_id) -> None:
    assert save(client, app, show, episode_id, action="publish").status_code == 302


# --- adding and listing ---------------------------------------------------------------


def test_opus_and_vorbis_are_two_formats_though_both_audio_ogg(
    studio, app, show, episode_id, audio_dir
):
    """Apps tell them apart by the codecs attribute, so both may be offered."""
    publish(studio, app, show, episode_id)
    for name in ("tone.opus", "tone.ogg", "tone.m4a"):
        content = (audio_dir / name).read_bytes()
        assert add(studio, app, show, episode_id, content, name).status_code == 302
    assert [a[1] for a in alternates(app, episode_id)] == ["audio/ogg", "audio/ogg", "audio/x-m4a"]
    buttons = page_tree(studio.get(edit_url(show, episode_id))).xpath(
        '//h2[@id="alternates"]/following-sibling::table[1]//button/text()'
    )
    # Every button names its own row: two audio/ogg files are not two "Remove audio/ogg".
    assert buttons == [
        "Remove Opus (audio/ogg)",
        "Remove Ogg Vorbis (audio/ogg)",
        "Remove AAC (audio/x-m4a)",
    ]
    found = [(e.get("type"), e.get("codecs")) for e in feed_alternates(studio, show)]
    assert found == [("audio/ogg", "opus"), ("audio/ogg", "vorbis"), ("audio/x-m4a", "mp4a.40.2")]


def test_an_opus_episode_takes_vorbis_but_not_opus(studio, app, show, audio_dir):
    """The main audio's codecs are read from its stored file when the type cannot tell."""
    with app.app_context(), (audio_dir / "tone.opus").open("rb") as stream:
        episode_id = add_episode(show, stream, title="Opus", publish=False).id
    before = everything(app)
    studio.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    opus = add(studio, app, show, episode_id, (audio_dir / "tone.opus").read_bytes(), "b.opus")
    assert opus.status_code == 422
    assert "The episode's audio is already audio/ogg." in "".join(page_tree(opus).itertext())
    assert everything(app) == before
    vorbis = add(studio, app, show, episode_id, (audio_dir / "tone.ogg").read_bytes(), "b.ogg")
    assert vorbis.status_code == 302
    with app.app_context():
        [row] = db.session.scalars(select(AlternateEnclosure)).all()
        assert (row.file.mime_type, row.codecs) == ("audio/ogg", "vorbis")


def test_an_uploaded_format_is_listed_and_in_the_feed(studio, app, show, episode_id, audio_dir):
    publish(studio, app, show, episode_id)
    m4a = (audio_dir / "tone.m4a").read_bytes()
    opus = (audio_dir / "tone.opus").read_bytes()
    keys_before = stored_keys(app)

    response = add(studio, app, show, episode_id, m4a, "avsnitt.m4a", title="AAC, mindre fil")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(edit_url(show, episode_id) + "#alternates-section")
    response = add(studio, app, show, episode_id, opus, "avsnitt.opus", title="")
    assert response.status_code == 302

    [(_, m4a_type, m4a_title, m4a_key), (_, opus_type, opus_title, opus_key)] = alternates(
        app, episode_id
    )
    assert (m4a_type, m4a_title, opus_type, opus_title) == (
        "audio/x-m4a",
        "AAC, mindre fil",
        "audio/ogg",
        None,
    )
    assert m4a_key.endswith(".m4a") and opus_key.endswith(".opus")
    assert sorted(stored_keys(app)) == sorted([*keys_before, m4a_key, opus_key])

    m4a_rate, opus_rate = bitrate(m4a), bitrate(opus)
    page = page_tree(studio.get(edit_url(show, episode_id)))
    assert section_rows(page) == [
        [
            "AAC (audio/x-m4a)",
            "AAC, mindre fil",
            f"{round(m4a_rate / 1000)} kbit/s",
            f"{len(m4a) / 1000:.1f} kB",
            "0:03",
            "Remove AAC, mindre fil",
        ],
        [
            "Opus (audio/ogg)",
            "",
            f"{round(opus_rate / 1000)} kbit/s",
            f"{len(opus) / 1000:.1f} kB",
            "0:03",
            "Remove Opus (audio/ogg)",
        ],
    ]

    first, second = feed_alternates(studio, show)
    assert first.get("type") == "audio/x-m4a"
    assert first.get("title") == "AAC, mindre fil"
    assert first.get("length") == str(len(m4a))
    assert first.get("bitrate") == str(m4a_rate)
    assert (second.get("type"), second.get("title")) == ("audio/ogg", None)
    for element, content in ((first, m4a), (second, opus)):
        [source] = element.xpath("podcast:source", namespaces=NS)
        served = studio.get(source.get("uri").removeprefix(BASE))
        assert served.status_code == 200
        assert served.data == content


def test_audio_as_long_as_the_episode_give_or_take_two_seconds_is_taken(
    studio, app, show, episode_id, tmp_path
):
    """Encoders differ in padding; 1.5 s longer is still the same recording."""
    near = synthesize(tmp_path / "nara.opus", "opus", seconds=4.5).read_bytes()
    assert add(studio, app, show, episode_id, near, "nara.opus").status_code == 302
    assert [a[1] for a in alternates(app, episode_id)] == ["audio/ogg"]


def test_the_form_is_labelled(studio, app, show, episode_id):
    page = page_tree(studio.get(edit_url(show, episode_id)))
    [heading] = page.xpath('//h2[@id="alternates"]')
    assert heading.text == "Other audio formats"
    for name in ("alternate", "alternate_title"):
        [control] = page.xpath(f'//input[@name="{name}"]')
        [label] = page.xpath(f'//label[@for="{control.get("id")}"]')
        assert "".join(label.itertext()).strip()
    assert page.xpath('//input[@name="alternate"]')[0].get("type") == "file"


def test_the_section_is_in_swedish_by_default(studio, app, show, episode_id, audio_dir):
    add(studio, app, show, episode_id, (audio_dir / "tone.opus").read_bytes(), "a.opus")
    studio.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    response = studio.get(edit_url(show, episode_id))
    page = page_tree(response)
    assert page.xpath('//h2[@id="alternates"]')[0].text == "Andra ljudformat"
    assert section_rows(page)[0][-1] == "Ta bort Opus (audio/ogg)"
    assert "Ljudfil i ett annat format" in response.get_data(as_text=True)


# --- removing -------------------------------------------------------------------------


def test_remove_deletes_the_row_and_the_stored_object(studio, app, show, episode_id, audio_dir):
    publish(studio, app, show, episode_id)
    add(studio, app, show, episode_id, (audio_dir / "tone.m4a").read_bytes(), "a.m4a", "AAC")
    add(studio, app, show, episode_id, (audio_dir / "tone.opus").read_bytes(), "a.opus", "Opus")
    (m4a_id, _, _, m4a_key), (_, _, _, opus_key) = alternates(app, episode_id)
    assert len(feed_alternates(studio, show)) == 2

    response = remove(studio, app, show, episode_id, m4a_id)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("#alternates-section")
    assert [a[3] for a in alternates(app, episode_id)] == [opus_key]
    keys = stored_keys(app)
    assert m4a_key not in keys and opus_key in keys
    with app.app_context():
        stored = db.session.scalar(select(StoredFile).where(StoredFile.storage_key == m4a_key))
        assert stored is None
    [left] = feed_alternates(studio, show)
    assert left.get("title") == "Opus"
    page = studio.get(edit_url(show, episode_id)).get_data(as_text=True)
    assert "“AAC” is removed." in page
    assert [row[1] for row in section_rows(etree.HTML(page))] == ["Opus"]


def test_another_episodes_format_is_not_found(
    studio, app, show, episode_id, other_episode_id, audio_dir
):
    """An alternate id of another show's episode, sent to this show's episode: nothing goes."""
    [(foreign_id, _, _, foreign_key)] = alternates(app, other_episode_id)
    before = everything(app)
    response = remove(studio, app, show, episode_id, foreign_id)
    assert response.status_code == 404
    assert everything(app) == before
    assert foreign_key in stored_keys(app)


def test_a_stale_form_removes_nothing(studio, app, show, episode_id, audio_dir):
    add(studio, app, show, episode_id, (audio_dir / "tone.opus").read_bytes(), "a.opus")
    [(alternate_id, *_)] = alternates(app, episode_id)
    before = everything(app)
    stale = version(app, episode_id) - 1
    assert remove(studio, app, show, episode_id, alternate_id, lock=stale).status_code == 409
    assert everything(app) == before


# --- refusals ---------------------------------------------------------------------------


@pytest.fixture
def with_opus(studio, app, show, episode_id, audio_dir) -> None:
    """The episode (MP3) already has an Opus alternate."""
    response = add(studio, app, show, episode_id, (audio_dir / "tone.opus").read_bytes(), "a.opus")
    assert response.status_code == 302


def long_opus(tmp_path) -> bytes:
    return synthesize(tmp_path / "lang.opus", "opus", seconds=6).read_bytes()


REFUSALS = {
    "not_audio": (
        lambda audio_dir, tmp_path: "Det här är inget ljud. ".encode() * 400,
        "a.opus",
        415,
        "This is not an audio file we can recognise.",
        "Det här är inte en ljudfil som vi känner igen.",
    ),
    "same_as_main": (
        lambda audio_dir, tmp_path: (audio_dir / "tone.mp3").read_bytes(),
        "a.mp3",
        422,
        "The episode's audio is already audio/mpeg.",
        "Avsnittets ljud är redan audio/mpeg.",
    ),
    "same_as_alternate": (
        # A second Opus file: the same type and codec as the one already there.
        lambda audio_dir, tmp_path: (audio_dir / "tone.opus").read_bytes(),
        "b.opus",
        422,
        "The episode already has another format of type audio/ogg.",
        "Avsnittet har redan ett annat format av typen audio/ogg.",
    ),
    "other_length": (
        lambda audio_dir, tmp_path: synthesize(tmp_path / "l.m4a", "m4a", seconds=6).read_bytes(),
        "a.m4a",
        422,
        "The file is 0:06 long but the episode's audio is 0:03.",
        "Filen är 0:06 lång men avsnittets ljud är 0:03.",
    ),
    "no_file": (
        lambda audio_dir, tmp_path: b"",
        "",
        422,
        "Choose an audio file.",
        "Välj en ljudfil.",
    ),
}


@pytest.mark.parametrize("language", ["en", "sv"])
@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_explain_and_leave_nothing(
    studio, app, show, episode_id, with_opus, audio_dir, tmp_path, case, language
):
    make, name, status, english, swedish = REFUSALS[case]
    content = make(audio_dir, tmp_path)
    before = everything(app)
    version_before = version(app, episode_id)
    studio.environ_base["HTTP_ACCEPT_LANGUAGE"] = language

    response = add(studio, app, show, episode_id, content, name, title="Något")

    assert response.status_code == status
    page = page_tree(response)
    [control] = page.xpath('//input[@name="alternate"]')
    assert control.get("aria-invalid") == "true"
    [error] = page.xpath(f'//*[@id="{control.get("aria-describedby")}"]')
    assert (english if language == "en" else swedish) in "".join(error.itertext())
    assert page.xpath('//input[@name="alternate_title"]')[0].get("value") == "Något"
    assert everything(app) == before
    assert version(app, episode_id) == version_before


def test_a_long_title_is_refused_beside_its_field(studio, app, show, episode_id, audio_dir):
    before = everything(app)
    opus = (audio_dir / "tone.opus").read_bytes()
    response = add(studio, app, show, episode_id, opus, "a.opus", title="x" * 129)
    assert response.status_code == 422
    page = page_tree(response)
    [control] = page.xpath('//input[@name="alternate_title"]')
    [error] = page.xpath(f'//*[@id="{control.get("aria-describedby")}"]')
    assert "".join(error.itertext()) == "The title may be at most 128 characters."
    assert everything(app) == before


def test_a_stale_form_stores_nothing(studio, app, show, episode_id, audio_dir):
    before = everything(app)
    response = post_file(
        studio,
        app,
        show,
        episode_id,
        "alternates",
        "alternate",
        (audio_dir / "tone.opus").read_bytes(),
        "a.opus",
        lock_version=str(version(app, episode_id) - 1),
    )
    assert response.status_code == 409
    assert everything(app) == before


# --- access -----------------------------------------------------------------------------


@pytest.mark.parametrize("tail", ["alternates", "alternates/1/remove"])
def test_another_shows_episode_is_not_found(studio, app, show, other_episode_id, audio_dir, tail):
    [(foreign_id, *_)] = alternates(app, other_episode_id)
    tail = tail.replace("/1/", f"/{foreign_id}/")
    before = everything(app)
    data = {
        "csrf_token": csrf_token(studio, f"/studio/{show}/episodes/new"),
        "lock_version": str(version(app, other_episode_id)),
        "alternate": (io.BytesIO((audio_dir / "tone.m4a").read_bytes()), "a.m4a"),
    }
    response = studio.post(
        edit_url(show, other_episode_id, tail), data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 404
    assert everything(app) == before


def test_an_author_manages_formats_of_drafts_only(client, app, show, episode_id, audio_dir):
    from app.services import members
    from app.services.users import create_user

    with app.app_context():
        user = create_user("author@example.org", "correct horse battery")
        members.set_role(user, get_show(show), "author")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    log_in(client, "author@example.org")
    opus = (audio_dir / "tone.opus").read_bytes()
    m4a = (audio_dir / "tone.m4a").read_bytes()
    assert add(client, app, show, episode_id, opus, "a.opus").status_code == 302
    [(opus_id, *_)] = alternates(app, episode_id)
    with app.app_context():
        from app.models import utcnow

        db.session.get(Episode, episode_id).published_at = utcnow()
        db.session.commit()

    before = everything(app)
    refused = add(client, app, show, episode_id, m4a, "a.m4a")
    assert refused.status_code == 403
    assert "Authors may edit drafts only" in refused.get_data(as_text=True)
    assert remove(client, app, show, episode_id, opus_id).status_code == 403
    assert everything(app) == before
    assert episode_row(app, episode_id).published_at is not None
