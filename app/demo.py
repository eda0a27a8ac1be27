"""``flask --app app demo``: the demo show *Miljonprogramspodden* with real audio.

The show is the City of Malmö's podcast about the future of the million
programme housing areas (see ``shared/seed``). Its audio is synthesised at
seed time, so the demo needs no media files in the repository.
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.models import Show, User
from app.services import episodes, shows, users

DEMO_SLUG = "miljonprogramspodden"
DEMO_EMAIL = "demo@example.org"
SHOW_DESCRIPTION = (
    "Miljonprogramspodden gjordes inom ramarna för Innovationsplattform Malmö Sydost och "
    "handlade om miljonprogrammets framtid och utveckling, med utgångspunkt i Malmös "
    "miljonprogramsområden. I varje avsnitt fick kända och okända personer från Malmö "
    "diskutera sin bild av miljonprogrammet och vilka förutsättningar och möjligheter som "
    "finns där."
)


@dataclass(frozen=True)
class DemoEpisode:
    title: str
    description: str
    published_at: datetime
    frequency: float


DEMO_EPISODES = (
    DemoEpisode(
        "Lindängen: att bo i miljonprogrammet",
        "Boende och forskare berättar om vardagen i Lindängen och om vad "
        "upprustningen av husen kan betyda för området.",
        datetime(2014, 3, 12, 7, 0, tzinfo=UTC),
        330.0,
    ),
    DemoEpisode(
        "Holma och Kroksbäck: grönska och gemenskap",
        "Om parkerna, skolgårdarna och mötesplatserna mellan husen, och om "
        "lokala jobb i förnyelsen.",
        datetime(2014, 9, 3, 7, 0, tzinfo=UTC),
        392.0,
    ),
    DemoEpisode(
        "Rosengård: framtidens stadsdel",
        "Näringsliv, akademi och kommun samtalar om innovation och hållbar utveckling i Rosengård.",
        datetime(2015, 5, 20, 7, 0, tzinfo=UTC),
        440.0,
    ),
)
NOTE = " (Demoavsnitt: ljudet är en syntetisk ton.)"


@click.command("demo")
@click.option("--seconds", default=20.0, show_default=True, help="Length of each episode.")
@with_appcontext
def demo_command(seconds: float) -> None:
    """Seed the demo show and a studio login; does nothing if the show exists."""
    if db.session.scalar(select(Show.id).where(Show.slug == DEMO_SLUG)):
        click.echo(f"The demo show already exists: /{DEMO_SLUG}/")
    else:
        seed_demo(seconds)
        _process_queued_audio()
        click.echo(f"Demo show ready: /{DEMO_SLUG}/ and its feed /{DEMO_SLUG}/feed.xml")
    password = ensure_demo_user()
    if password:
        click.echo(f"Studio login at /studio: {DEMO_EMAIL} / {password}")
    else:
        # The password was printed once, on the first run; a restart must not leave a
        # newcomer locked out, nor print a password again.
        click.echo(
            f"Studio login at /studio: {DEMO_EMAIL} (the password printed on the first run). "
            f"Lost it? Run: {RESET_COMMAND}"
        )


RESET_COMMAND = f".venv/bin/flask --app app users reset-link {DEMO_EMAIL}"


def _process_queued_audio() -> None:
    """Run the jobs seeding queued (the episodes' audio processing) before anything serves
    the show: the demo's episodes are in its feed the moment it is served, worker or not."""
    from app.jobs.consumer import run_once

    run_once(periodic=False)


def seed_demo(seconds: float = 20.0) -> Show:
    """Create the show and its three episodes, each with freshly synthesised MP3 audio."""
    from media.synth import synthesize  # needs PyAV, which only the demo extra installs

    show = shows.create_show(
        DEMO_SLUG,
        title="Miljonprogramspodden",
        language="sv",
        description=SHOW_DESCRIPTION,
        author="Malmö stad",
        owner_name="Malmö stad, miljöförvaltningen",
        owner_email="podcast@example.org",
        category="Government",
        copyright="© Malmö stad",
    )
    with tempfile.TemporaryDirectory() as folder:
        for number, item in enumerate(DEMO_EPISODES, start=1):
            path = synthesize(
                Path(folder) / f"avsnitt-{number}.mp3", "mp3", seconds, item.frequency
            )
            with path.open("rb") as audio:
                episode = episodes.add_episode(
                    show.slug,
                    audio,
                    title=item.title,
                    description=item.description + NOTE,
                    filename=path.name,
                    published_at=item.published_at,
                )
            if number == 1:
                add_demo_chapters_and_transcript(show.slug, episode.slug, seconds)
    return show


DEMO_LINES = (
    ("Programledare", "Välkommen till Miljonprogramspodden. I dag är vi i Lindängen."),
    (None, "Husen byggdes i slutet av sextiotalet och ska nu rustas upp."),
    ("Boende", "Jag har bott här i tjugo år, och jag vill att grannarna får stanna."),
    (None, "Forskarna frågar hur upprustningen kan ske utan att hyrorna rusar."),
    ("Programledare", "Tack för att ni lyssnade. Nästa gång åker vi till Holma."),
)


def add_demo_chapters_and_transcript(show_slug: str, episode_slug: str, seconds: float) -> None:
    """Chapters and a Swedish transcript spread over the episode, so pages show both."""
    import io

    from app.services.feed_extras import add_transcript, set_chapters
    from media.transcripts import Cue, to_vtt

    step = seconds / len(DEMO_LINES)
    cues = [
        Cue(round(n * step, 3), round((n + 1) * step, 3), text, speaker)
        for n, (speaker, text) in enumerate(DEMO_LINES)
    ]
    set_chapters(
        show_slug,
        episode_slug,
        [
            {"start": 0, "title": "Välkommen"},
            {"start": cues[1].start, "title": "Husen och upprustningen"},
            {"start": cues[4].start, "title": "Avslutning"},
        ],
    )
    vtt = io.BytesIO(to_vtt(cues).encode())
    add_transcript(show_slug, episode_slug, "sv", vtt, "lindangen.vtt")


def ensure_demo_user() -> str | None:
    """A demo login with a fresh random password, returned once; None if it exists."""
    if db.session.scalar(select(User.id).where(User.email == DEMO_EMAIL)):
        return None
    password = secrets.token_urlsafe(12)
    users.create_user(DEMO_EMAIL, password, is_admin=True)
    return password
