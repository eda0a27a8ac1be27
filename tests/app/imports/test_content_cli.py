"""The command line tells what happened to the show itself (issue 12, "Also").

``flask shows import`` printed only per-episode lines and exited 0, so a
producer never heard that the artwork was kept as a placeholder. It now prints
every note about the show, as the studio's import page shows them.
"""

from __future__ import annotations

from tests.app.imports.source import episodes, libsyn_feed, serve_audio


def test_cli_prints_the_notes_about_the_show(app, source, audio_dir):
    items = episodes(audio_dir / "tone.mp3", 1)
    serve_audio(source, items)
    gone = source.url("/art/gone.jpg")  # the old host answers 404
    url = source.file("/rss", libsyn_feed(source, items, gone), "application/rss+xml")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["shows", "import", url, "--slug", "fran-url"])
    assert result.exit_code == 0, result.output
    assert "fran-url: Artwork kept as a placeholder: " in result.output
    assert "404" in result.output.split("Artwork kept as a placeholder: ", 1)[1].splitlines()[0]
    assert "fran-url: 1 imported, 0 skipped, 0 left." in result.output


def test_the_importer_prints_them_too(app, source, audio_dir):
    items = episodes(audio_dir / "tone.mp3", 1)
    serve_audio(source, items)
    gone = source.url("/art/gone.jpg")
    url = source.file("/rss", libsyn_feed(source, items, gone), "application/rss+xml")
    runner = app.test_cli_runner()
    queued = runner.invoke(args=["shows", "import", url, "--slug", "senare", "--background"])
    assert queued.exit_code == 0, queued.output
    result = runner.invoke(args=["imports", "run"])
    assert result.exit_code == 0, result.output
    assert "senare: Artwork kept as a placeholder: " in result.output
