"""The CLI goes through the same services as the studio."""

from __future__ import annotations

import io

import podcastparser

from tests.app.conftest import row_counts, stored_keys


def test_users_create_reads_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["users", "create", "Anna@Example.org", "--admin", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin user anna@example.org" in result.output
    login = app.test_client()
    from tests.app.conftest import log_in

    assert log_in(login, "anna@example.org", "a long enough password").status_code == 302


def test_users_create_refuses_short_password(runner):
    result = runner.invoke(
        args=["users", "create", "a@example.org", "--password-stdin"], input="kort\n"
    )
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output


def test_shows_create_and_episodes_add(app, runner, audio_dir):
    result = runner.invoke(
        args=[
            "shows",
            "create",
            "stadspodden",
            "--title",
            "Stadspodden",
            "--owner-email",
            "p@example.org",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "/stadspodden/feed.xml" in result.output

    result = runner.invoke(
        args=[
            "episodes",
            "add",
            "stadspodden",
            str(audio_dir / "tone.flac"),
            "--title",
            "Ett",
            "--publish",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Added episode ett (published, 3.0 s)" in result.output

    feed = app.test_client().get("/stadspodden/feed.xml")
    [episode] = podcastparser.parse("x", io.BytesIO(feed.data))["episodes"]
    assert episode["enclosures"][0]["mime_type"] == "audio/flac"


def test_episodes_add_draft_by_default(app, runner, show, audio_dir):
    result = runner.invoke(
        args=["episodes", "add", show, str(audio_dir / "tone.wav"), "--title", "Utkast"]
    )
    assert result.exit_code == 0, result.output
    assert "(draft" in result.output


def test_cli_errors_are_one_line_and_keep_nothing(app, runner, show, tmp_path):
    before = row_counts(app), stored_keys(app)
    text_file = tmp_path / "notes.mp3"
    text_file.write_text("<html>not audio</html>")
    result = runner.invoke(args=["episodes", "add", show, str(text_file), "--title", "X"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    unknown = runner.invoke(args=["episodes", "add", "nope", str(text_file), "--title", "X"])
    assert "There is no show called “nope”." in unknown.output
    assert (row_counts(app), stored_keys(app)) == before


def test_shows_create_refuses_reserved_and_taken_slugs(runner, show):
    reserved = runner.invoke(
        args=["shows", "create", "studio", "--title", "T", "--owner-email", "p@e.org"]
    )
    assert "reserved" in reserved.output
    taken = runner.invoke(
        args=["shows", "create", show, "--title", "T", "--owner-email", "p@e.org"]
    )
    assert "already exists" in taken.output


def test_storage_sweep_lists_orphans_and_removes_them_only_with_delete(app, runner, show):
    from app.storage import current_storage

    app.config["STORAGE_SWEEP_GRACE"] = 0  # SeaweedFS dates objects now; 0 makes them old
    with app.app_context():
        for key, data in [("testpodden/orphan.mp3", b"12345"), ("gone/artwork/x.png", b"123")]:
            current_storage().save(key, io.BytesIO(data), "application/octet-stream")
    before = stored_keys(app)
    dry = runner.invoke(args=["storage", "sweep"])
    assert dry.exit_code == 0, dry.output
    lines = dry.output.splitlines()
    assert lines[0].split()[:2] == ["3", "bytes"]
    assert lines[0].endswith("  gone/artwork/x.png")
    assert lines[1].split()[:2] == ["5", "bytes"]
    assert lines[1].endswith("  testpodden/orphan.mp3")
    assert "would remove 2 orphan object(s), 8 bytes, of 3 listed" in lines[2]
    assert stored_keys(app) == before

    done = runner.invoke(args=["storage", "sweep", "--delete"])
    assert done.exit_code == 0, done.output
    assert "removed 2 orphan object(s), 8 bytes, of 3 listed" in done.output
    assert "testpodden/orphan.mp3" in done.output
    with app.app_context():
        from app.services.shows import get_show

        assert stored_keys(app) == [get_show(show).image.storage_key]


def test_storage_sweep_fails_without_removing_when_storage_cannot_be_listed(
    app, runner, show, broken_storage
):
    app.extensions["storage"] = broken_storage
    result = runner.invoke(args=["storage", "sweep", "--delete"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Storage could not be listed, so nothing was removed")
    assert "Traceback" not in result.output


def test_shows_link_sets_and_removes_a_directory_link(runner, client, show):
    url = "https://open.spotify.com/show/abc"
    result = runner.invoke(args=["shows", "link", show, "spotify", url])
    assert result.exit_code == 0, result.output
    assert f'href="{url}">Spotify' in client.get(f"/{show}/").get_data(as_text=True)
    assert runner.invoke(args=["shows", "link", show, "spotify"]).exit_code == 0
    assert "Spotify" not in client.get(f"/{show}/").get_data(as_text=True)
    refused = runner.invoke(args=["shows", "link", show, "spotify", "http://insecure"])
    assert refused.exit_code == 1
    assert "https://" in refused.output


def test_episodes_add_takes_the_files_cover_chapters_and_the_shows_persons(
    app, runner, show, audio_dir
):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Episode, Person
    from app.services.shows import get_show

    with app.app_context():
        db.session.add(Person(show_id=get_show(show).id, name="Amira", role="host", position=0))
        db.session.commit()
    tagged = str(audio_dir / "tagged.mp3")
    result = runner.invoke(args=["episodes", "add", show, tagged, "--title", "Med"])
    assert result.exit_code == 0, result.output
    assert "3 chapters, cover art)" in result.output
    plain = runner.invoke(
        args=["episodes", "add", show, tagged, "--title", "Utan", "--no-file-extras"]
    )
    assert plain.exit_code == 0, plain.output
    assert "chapters" not in plain.output and "cover" not in plain.output
    with app.app_context():
        rich, bare = db.session.scalars(select(Episode).order_by(Episode.id)).all()
        assert (len(rich.chapters), rich.image is not None) == (3, True)
        assert (len(bare.chapters), bare.image) == (0, None)
        for episode in (rich, bare):
            persons = select(Person.name).where(Person.episode_id == episode.id)
            assert db.session.scalars(persons).all() == ["Amira"]


def test_episodes_add_format_offers_another_format_or_says_why_not(app, runner, show, audio_dir):
    from lxml import etree

    added = runner.invoke(
        args=["episodes", "add", show, str(audio_dir / "tone.mp3"), "--title", "Ett", "--publish"]
    )
    assert added.exit_code == 0, added.output
    opus = str(audio_dir / "tone.opus")
    result = runner.invoke(args=["episodes", "add-format", show, "ett", opus, "--title", "Opus"])
    assert result.exit_code == 0, result.output
    assert "Added audio/ogg; codecs=opus (" in result.output
    before = row_counts(app), stored_keys(app)
    again = runner.invoke(args=["episodes", "add-format", show, "ett", opus])
    assert again.exit_code == 1
    assert again.output.startswith("Error: The episode already has another format")
    missing = runner.invoke(args=["episodes", "add-format", show, "nej", opus])
    assert missing.exit_code == 1 and "There is no such episode." in missing.output
    assert (row_counts(app), stored_keys(app)) == before
    feed = etree.fromstring(app.test_client().get(f"/{show}/feed.xml").data)
    [element] = feed.xpath(
        "//podcast:alternateEnclosure",
        namespaces={"podcast": "https://podcastindex.org/namespace/1.0"},
    )
    assert (element.get("type"), element.get("codecs"), element.get("title")) == (
        "audio/ogg",
        "opus",
        "Opus",
    )
