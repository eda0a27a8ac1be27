"""Bad input gets a clear error and loses nothing, on every route of the app.

The walk reads ``app.url_map``, so a route added later is covered without
touching this file: each rule and method is one test (its id names the route),
and each failure inside it names the input. The client is the most privileged
one there is, an instance admin who is also the show's admin, so every request
gets past the access checks to the code that parses it.

For every request: no 5xx. For every 4xx: the database rows and the stored
object keys are what they were before it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from wtforms.fields import FieldList, FormField
from wtforms.fields.core import UnboundField

from app import create_app
from tests.app.conftest import PASSWORD, stored_keys
from tests.app.studio.conftest import ADMIN_EMAIL, client_as, database_dump, member, token_of

LONG = "x" * 100_000
# A value as it goes on the wire, already percent-encoded: what a browser never sends.
RAW_VALUES = {
    "empty": "",
    "long": quote(LONG),
    "nul": "a%00b",
    "invalid-utf8": "%FF%FE%C3",
    "lone-surrogate": "%ED%A0%80",
    "negative": "-1",
    "huge-number": "99999999999999999999",
    "float-junk": "1e309",
    "markup": quote('<script>"&</script>'),
}
ODD_QUERY = {
    "page=-1": "page=-1",
    "page=abc": "page=abc",
    "page=huge": "page=99999999999999999999",
    "lang=xx": "lang=xx",
    "page-twice": "page=1&page=2",
}
# Every query argument some handler reads.
QUERY_NAMES = (
    "page",
    "lang",
    "q",
    "format",
    "url",
    "color",
    "theme",
    "compact",
    "transcript",
    "next",
    "email",
    "maxwidth",
    "maxheight",
    "t",
)
BAD_HEADERS = {
    "if-modified-since": {"If-Modified-Since": "yesterday, sort of"},
    "if-modified-since-huge": {"If-Modified-Since": "Mon, 99 Foo 99999 99:99:99 GMT"},
    "if-none-match": {"If-None-Match": 'W/"\x7f, ,,"*'},
    "range-words": {"Range": "bytes=abc-def"},
    "range-huge": {"Range": "bytes=99999999999999999999-"},
    "range-backwards": {"Range": "bytes=5-1"},
    "range-many": {"Range": "bytes=" + ",".join(f"{n}-{n}" for n in range(500))},
    "range-suffix-zero": {"Range": "bytes=-0"},
    "accept-language": {"Accept-Language": "xx;q=abc, ,;;, *;q=99999999999999999999"},
    "content-range": {"Content-Range": "bytes 0-99999999999999999999/5"},
    "content-range-backwards": {"Content-Range": "bytes 9-1/10"},
    "content-range-zero": {"Content-Range": "bytes 0-0/0"},
    "accept-json": {"Accept": "application/json"},
}
JSON_BODIES = {
    "json-array": "[]",
    "json-number": "1",
    "json-null": "null",
    "json-string": '"x"',
    "json-invalid": '{"filename": ',
    "json-wrong-types": '{"filename": [1], "size": "abc", "type": {}, "parts": "x"}',
    "json-negative-size": '{"filename": "a.mp3", "size": -1, "type": "audio/mpeg"}',
    "json-infinite-size": '{"filename": "a.mp3", "size": 1e400, "type": "audio/mpeg"}',
    "json-huge-size": '{"filename": "a.mp3", "size": 99999999999999999999, "type": "audio/mpeg"}',
    "json-float-size": '{"filename": "a.mp3", "size": 1000.5, "type": "audio/mpeg"}',
    "json-bool-size": '{"filename": "a.mp3", "size": true, "type": "audio/mpeg"}',
    "json-nul-name": '{"filename": "a\\u0000\\ud800.mp3", "size": 1000, "type": "audio/mpeg"}',
    "json-bad-parts": '{"parts": [-1, 0, 99999999999999999999, "a", null, 1.5, [], {}]}',
    "json-nontext-fields": '{"title": [1, {}], "email": 5, "language": null, "value": true}',
    "json-many-parts": '{"parts": [' + ",".join(str(n) for n in range(1, 20001)) + "]}",
}
# Files for the file fields; the name matters as much as the bytes.
BAD_FILES = {
    "file-empty": (b"", "empty.mp3"),
    "file-junk": (b"\xff\xfb\x00junk" * 100, "junk.mp3"),
    "file-nul-name": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "a\x00b.png"),
    "file-long-name": (b"WEBVTT\n\n", "n" * 5000 + ".vtt"),
    "file-traversal": (b'{"version": "1.2.0", "chapters": []}', "../../../etc/passwd"),
    "file-json-junk": (b'{"version": "1.2.0", "chapters": [{"startTime": "x"}]}', "c.json"),
}
# Values that pass each field's own check, so one garbage field is what gets refused.
BASELINE = {
    "title": "Ett avsnitt",
    "email": "someone@example.org",
    "owner_email": "owner@example.org",
    "owner_name": "Ägaren",
    "author": "Författaren",
    "language": "sv",
    "category": "Arts",
    "timezone": "Europe/Stockholm",
    "slug": "ett-avsnitt",
    "password": PASSWORD + " new",
    "confirm": PASSWORD + " new",
    "role": "editor",
    "value": "1",
    "prefix": "",
    "episode_type": "full",
    "explicit": "no",
}
EXTRA_FIELDS = {
    "studio.show_settings": [
        *(f"person_{key}" for key in ("name", "role", "group", "img", "href")),
        *(f"link_{name}" for name in ("apple", "spotify", "pocketcasts")),
    ],
    "studio.edit_episode": ["action"],
    "studio.episode_artwork": ["remove"],
    "studio.episode_transcript": ["remove"],
    "studio.import_chapters": ["source"],
    "studio.remove_alternate": ["lock_version"],
    "studio.delete_episode": ["lock_version"],
    "analytics.prefix": ["prefix"],
}


def form_fields(form_class) -> list[str]:
    """The names a form posts, with one row of each table (``chapters-0-start``)."""
    names = []
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if not isinstance(unbound, UnboundField):
            continue
        if unbound.field_class is FieldList:
            inner = unbound.args[0] if unbound.args else None
            if isinstance(inner, UnboundField) and inner.field_class is FormField:
                names += [f"{name}-0-{sub}" for sub in form_fields(inner.args[0])]
                continue
        names.append(name)
    return names


def route_forms() -> dict[str, list]:
    """Which form each POST route reads; a route not named here gets every field there is."""
    from app.studio import account_forms as af
    from app.studio import forms, imports, uploads

    files = [forms.EpisodeFileForm]
    return {
        "studio.login": [forms.LoginForm],
        "studio.edit_episode": [forms.EpisodeEditForm],
        "studio.episode_artwork": files,
        "studio.episode_transcript": files,
        "studio.add_alternate": files,
        "studio.import_chapters": files,
        "studio.replace_audio": files,
        "studio.remove_alternate": [],
        "studio.delete_episode": [],
        "studio.new_episode": [uploads.NewEpisodeForm],
        "studio.set_password": [af.SetPasswordForm],
        "studio.language": [af.LanguageForm],
        "studio.logout": [],
        "studio.admin_invite": [af.InviteForm],
        "studio.admin_set_role": [af.UserRoleForm],
        "studio.admin_set_admin": [af.ActionForm],
        "studio.admin_set_active": [af.ActionForm],
        "studio.admin_reset_link": [af.ActionForm],
        "studio.admin_new_show": [af.NewShowForm],
        "studio.show_members": [af.MemberInviteForm],
        "studio.show_member": [af.MemberRoleForm],
        "studio.show_settings": [af.ShowSettingsForm],
        "studio.show_artwork": [af.ArtworkForm],
        "studio.import_show": [imports.ImportForm],
        "studio.reimport": [imports.ReimportForm],
        "studio.lock_feed": [imports.LockForm],
        "studio.export_show": [],
        "analytics.prefix": [],
        "studio.start_upload": [],
        "studio.sign_parts": [],
        "studio.complete_upload": [],
        "studio.put_chunk": [],
        "studio.cancel_upload": [],
    }


def fields_of(endpoint: str) -> list[str]:
    forms = route_forms()
    if endpoint not in forms:
        every = {name for classes in forms.values() for cls in classes for name in form_fields(cls)}
        return sorted(every)
    names = [name for cls in forms[endpoint] for name in form_fields(cls)]
    return sorted({*names, *EXTRA_FIELDS.get(endpoint, [])} - {"csrf_token"})


def file_fields(endpoint: str) -> set[str]:
    from flask_wtf.file import FileField

    forms = route_forms().get(endpoint)
    classes = forms if forms is not None else [c for cs in route_forms().values() for c in cs]
    return {
        name
        for cls in classes
        for name in dir(cls)
        if isinstance(getattr(cls, name, None), UnboundField)
        and issubclass(getattr(cls, name).field_class, FileField)
    }


def all_rules() -> list[tuple[str, str, str]]:
    """(rule, method, endpoint) for every rule of the app, read from a throwaway app."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "TESTING": True,
                "INSTANCE_PATH": folder,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/walk.sqlite3",
                "STORAGE_URL": f"file://{folder}/media",
                "SECRET_KEY": "walk",
            }
        )
        rules = [
            (rule.rule, method, rule.endpoint)
            for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        ]
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
        return rules


RULES = all_rules()


@dataclass
class World:
    """The logged-in client, the real and the unknown values for each URL argument."""

    client: object
    real: dict
    missing: dict
    odd: dict
    account_token: str
    failures: list[str] = field(default_factory=list)


@pytest.fixture
def world(app, show, audio_dir) -> World:
    """One show with a published episode, an alternate format, a member, an upload under way
    and an unused invitation, all reachable by an admin of the instance and of the show."""
    from app.extensions import db
    from app.models import User
    from app.services import accounts, members
    from app.services.episodes import add_episode
    from app.services.feed_extras import add_alternate_enclosure
    from app.services.shows import get_show
    from app.services.uploads import begin_upload
    from app.services.users import create_user

    other = member(app, show, "other@example.org", "editor")
    with app.app_context():
        admin = create_user(ADMIN_EMAIL, PASSWORD, is_admin=True)
        members.set_role(admin, get_show(show), "admin")
        with (audio_dir / "tone.mp3").open("rb") as audio:
            episode = add_episode(show, audio, title="Första avsnittet", filename="tone.mp3")
        with (audio_dir / "tone.opus").open("rb") as opus:
            alternate = add_alternate_enclosure(show, episode.slug, opus, title="Opus")
        upload = begin_upload(
            get_show(show), db.session.get(User, admin.id), "b.mp3", 1000, "audio/mpeg", None
        )
        account_token = accounts.issue_token(db.session.get(User, other), "invite")
        real = {
            "show_slug": show,
            "episode_slug": episode.slug,
            "episode_id": episode.id,
            "alternate_id": alternate.id,
            "user_id": other,
            "token": upload.token,
            "language": "sv",
            "fmt": "vtt",
            "filename": "site.css",
            "width": 320,  # a cover's size (public.cover)
        }
    real["key"] = next(key for key in stored_keys(app) if key.endswith(".mp3"))
    missing = {
        name: (987654 if isinstance(value, int) else f"no-such-{name}")
        for name, value in real.items()
    }
    odd = {
        name: (10**20 if isinstance(value, int) else "ä\x00" + "x" * 3000)
        for name, value in real.items()
    }
    client = client_as(app, ADMIN_EMAIL)
    return World(client, real, missing, odd, account_token)


def url_of(rule_text: str, endpoint: str, app, values: dict, world: World) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text)
    values = dict(values)
    if endpoint == "studio.set_password" and values["token"] == world.real["token"]:
        values["token"] = world.account_token  # that route's token is an account link's
    missing = rule.arguments - set(values)
    assert not missing, f"{rule_text}: add values for {sorted(missing)} to the world fixture"
    return rule.build({name: values[name] for name in rule.arguments})[1]


def snapshot(app) -> tuple:
    # Every media request is logged with the reason it does or does not count (IAB rules),
    # a refused range too, as failed logins are: rows by design.
    return database_dump(app, skip=("login_failures", "download_hits")), stored_keys(app)


def allowed(endpoint: str, status: int) -> bool:
    """No 5xx, but for oEmbed's own: the spec answers an unknown ``format`` with 501."""
    return status < 500 or (endpoint == "embed.oembed" and status == 501)


def form_body(pairs: list[tuple[str, str]]) -> bytes:
    """A urlencoded body of names and already-encoded values."""
    return "&".join(f"{quote(name)}={value}" for name, value in pairs).encode("ascii")


def requests_for(
    endpoint: str, method: str, token: str, baseline: dict, full: bool = True
) -> list[tuple]:
    """(label, request keyword arguments) of every malformed request for one route.

    Not ``full`` (production): per field only what PostgreSQL and S3 judge differently
    from SQLite and a folder (lengths, numbers), and headers only for the upload API.
    """
    csrf = {"X-CSRFToken": token}
    if method == "GET":
        return get_requests()
    names = fields_of(endpoint)
    files = file_fields(endpoint)
    encoded_baseline = [(n, quote(str(v))) for n, v in baseline.items() if n in names]
    urlencoded = "application/x-www-form-urlencoded"
    out = [
        ("no-csrf empty", {}),
        ("no-csrf garbage", {"data": {name: "x" for name in names}}),
        ("empty", {"data": {"csrf_token": token}}),
        ("baseline", {"data": {"csrf_token": token, **dict(baseline_of(names, baseline))}}),
    ]
    for kind, raw in RAW_VALUES.items():
        pairs = [("csrf_token", quote(token))] + [(name, raw) for name in names]
        if kind != "long":  # every field at 100k is over the form limit; below, one at a time
            out.append(
                (f"all fields {kind}", {"data": form_body(pairs), "content_type": urlencoded})
            )
    for name in names:
        others = [(n, v) for n, v in encoded_baseline if n != name]
        # NUL and the bytes that are no UTF-8 are refused before any handler: all at once above.
        for kind in ("long", "negative", "huge-number") if full else ("long", "huge-number"):
            pairs = [("csrf_token", quote(token)), *others, (name, RAW_VALUES[kind])]
            out.append((f"{name}={kind}", {"data": form_body(pairs), "content_type": urlencoded}))
        if not full:
            continue
        pairs = [("csrf_token", quote(token)), *others, (name, "a"), (name, "b"), (name, "")]
        out.append((f"{name} repeated", {"data": form_body(pairs), "content_type": urlencoded}))
        if name not in files:
            data = {"csrf_token": token, **dict(baseline_of(names, baseline))}
            data[name] = (_stream(b"\xff\x00 not text"), "text.bin")
            out.append((f"file in {name}", {"data": data, "content_type": "multipart/form-data"}))
    for name in files:
        for kind, (content, filename) in BAD_FILES.items():
            data = {"csrf_token": token, **dict(baseline_of(names, baseline))}
            data[name] = (_stream(content), filename)
            out.append((f"{name} {kind}", {"data": data, "content_type": "multipart/form-data"}))
        data = {"csrf_token": token, **dict(baseline_of(names, baseline)), name: "just text"}
        out.append((f"text in {name}", {"data": data, "content_type": "multipart/form-data"}))
    for kind, body in JSON_BODIES.items():
        out.append((kind, {"data": body, "content_type": "application/json", "headers": csrf}))
    out.append(
        (
            "json invalid-utf8",
            {
                "data": b'{"filename": "\xff\xfe"}',
                "content_type": "application/json",
                "headers": csrf,
            },
        )
    )
    for kind, headers in BAD_HEADERS.items() if full or "upload" in endpoint else ():
        out.append((f"header {kind}", {"data": b"0123456789", "headers": {**csrf, **headers}}))
    out.append(
        ("query garbage", {"query_string": "page=abc&lang=xx", "data": {"csrf_token": token}})
    )
    return out


def baseline_of(names: list[str], baseline: dict) -> list[tuple[str, str]]:
    return [(name, str(value)) for name, value in baseline.items() if name in names]


def _stream(content: bytes):
    from io import BytesIO

    return BytesIO(content)


def get_requests() -> list[tuple]:
    out = [("plain", {})]
    for kind, query in ODD_QUERY.items():
        out.append((f"query {kind}", {"query_string": query}))
    for kind, raw in RAW_VALUES.items():
        if kind == "long":
            raw = "x" * 20_000
        query = "&".join(f"{name}={raw}" for name in QUERY_NAMES)
        out.append((f"query all {kind}", {"query_string": query}))
    for kind, headers in BAD_HEADERS.items():
        out.append((f"header {kind}", {"headers": headers}))
    return out


def fresh_baseline(app, world: World, endpoint: str) -> dict:
    """Valid values plus those that change as the test goes (the episode's lock version)."""
    from app.extensions import db
    from app.models import Episode

    baseline = dict(BASELINE)
    with app.app_context():
        episode = db.session.get(Episode, world.real["episode_id"])
        if episode is not None:
            baseline["lock_version"] = str(episode.lock_version)
    if endpoint == "studio.admin_set_role":
        baseline["show"] = world.real["show_slug"]
    return baseline


def send(app, world: World, caplog, endpoint: str, url: str, method: str, label, kwargs, before):
    """One request; a 5xx, or a 4xx that changed something, goes on the failure list."""
    caplog.clear()
    response = world.client.open(url, method=method, **kwargs)
    status = response.status_code
    response.close()
    where = f"{method} {url[:120]} [{label}]"
    if not allowed(endpoint, status):
        errors = [r.getMessage() + "\n" + (r.exc_text or "") for r in caplog.records]
        world.failures.append(f"{where}: {status}\n" + "\n".join(errors)[-3000:])
        return snapshot(app)
    if 400 <= status < 500:
        after = snapshot(app)
        if after != before:
            world.failures.append(f"{where}: {status} but changed {describe(before, after)}")
        return after
    return snapshot(app)


def describe(before, after) -> str:
    (rows_before, keys_before), (rows_after, keys_after) = before, after
    tables = [t for t in rows_before if rows_before[t] != rows_after.get(t)]
    keys = sorted(set(keys_before) ^ set(keys_after))
    return f"tables {tables}, keys {keys[:5]}"


def logged_in(app, world: World) -> None:
    """Back in after a route that ends the session (logout, a new password)."""
    response = world.client.get("/studio/")
    if response.status_code != 200:
        world.client = client_as(app, ADMIN_EMAIL)


def cases() -> list:
    """Every route on the embedded shape; the studio's changing routes on production too,
    where PostgreSQL and S3 refuse what SQLite and a folder take."""
    out = []
    for rule, method, endpoint in RULES:
        out.append(pytest.param("embedded", rule, method, endpoint, id=f"embedded-{method} {rule}"))
        if method != "GET" and rule.startswith("/studio/"):
            out.append(
                pytest.param(
                    "production",
                    rule,
                    method,
                    endpoint,
                    id=f"production-{method} {rule}",
                    marks=pytest.mark.production,
                )
            )
    return out


@pytest.mark.parametrize(("backend", "rule", "method", "endpoint"), cases())
def test_bad_input_is_refused_cleanly(app, world, caplog, backend, rule, method, endpoint):
    token = token_of(world.client)
    full = backend == "embedded"
    before = snapshot(app)
    for variant in ("missing", "odd"):
        url = url_of(rule, endpoint, app, getattr(world, variant), world)
        few = requests_for(endpoint, method, token, BASELINE)[: 3 if method != "GET" else 2]
        for label, kwargs in few:
            before = send(
                app, world, caplog, endpoint, url, method, f"{variant}: {label}", kwargs, before
            )
    url = url_of(rule, endpoint, app, world.real, world)
    count = len(requests_for(endpoint, method, token, BASELINE, full))
    for index in range(count):
        # Built afresh each time: files are streams, and the lock version moves on a save.
        baseline = fresh_baseline(app, world, endpoint)
        label, kwargs = requests_for(endpoint, method, token, baseline, full)[index]
        before = send(app, world, caplog, endpoint, url, method, label, kwargs, before)
        if endpoint in {"studio.logout", "studio.set_password", "studio.login"}:
            logged_in(app, world)
            token = token_of(world.client)
    assert not world.failures, "\n\n".join(world.failures)


def test_walk_covers_every_kind_of_route():
    """The walk must find the routes, or it would pass by testing nothing."""
    endpoints = {endpoint for _, _, endpoint in RULES}
    assert {"public.feed", "delivery.media", "embed.oembed", "studio.show_settings"} <= endpoints
    assert {"studio.start_upload", "studio.put_chunk", "studio.import_show"} <= endpoints
    assert {"studio.admin_invite", "analytics.prefix", "public.transcript"} <= endpoints
