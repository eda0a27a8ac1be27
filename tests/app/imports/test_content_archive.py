"""An export archive naming a file outside the storage area is refused as unsafe (issue 12).

A storage key with ``..``, a leading ``/`` or a backslash can only come from a
damaged or crafted archive. It used to reach storage, which refused it, and the
producer read "could not be stored right now, please try again", which can
never help. Now one line says the archive is damaged or unsafe; nothing is kept.
"""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.app.conftest import row_counts, stored_keys


@pytest.mark.parametrize(
    "bad_key", ["../../etc/passwd", "/etc/passwd", "testpodden/../../x.png", "a\\..\\b.png"]
)
def test_an_archive_with_an_unsafe_key_is_refused_in_one_line(app, show, tmp_path, bad_key):
    runner = app.test_cli_runner()
    good = tmp_path / "good.zip"
    exported = runner.invoke(args=["shows", "export", show, "-o", str(good)])
    assert exported.exit_code == 0, exported.output
    crafted = tmp_path / "crafted.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(crafted, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        entry = manifest["stored_files"][0]
        data = source.read(entry["archive_path"])
        entry["storage_key"], entry["archive_path"] = bad_key, "files/" + bad_key
        for name in source.namelist():
            if name.startswith("files/"):
                continue
            body = json.dumps(manifest) if name == "manifest.json" else source.read(name)
            target.writestr(name, body)
        target.writestr("files/" + bad_key, data)
    before = row_counts(app), stored_keys(app)
    result = runner.invoke(args=["shows", "import", str(crafted), "--slug", "kopia"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: The archive is damaged or unsafe: it names a file outside")
    assert "try again" not in result.output
    assert (row_counts(app), stored_keys(app)) == before
