"""Credits on show and episode pages: the people the studio entered (``podcast:person``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext
from sqlalchemy import select

from app.extensions import db
from app.models import Episode, Person, Show

# The Podcast Taxonomy's roles a producer is likeliest to type, as listeners say them;
# any other role is shown as typed.
ROLE_NAMES = {
    "host": lazy_gettext("host"),
    "co-host": lazy_gettext("co-host"),
    "guest": lazy_gettext("guest"),
    "producer": lazy_gettext("producer"),
    "editor": lazy_gettext("editor"),
    "composer": lazy_gettext("composer"),
    "narrator": lazy_gettext("narrator"),
    "interviewer": lazy_gettext("interviewer"),
    "reporter": lazy_gettext("reporter"),
    "sound designer": lazy_gettext("sound designer"),
}


@dataclass(frozen=True)
class Credit:
    name: str
    role: str  # in the page's language when it is a known role; "" when none was given
    href: str | None  # only web addresses; anything else is shown unlinked


def credits_of(show: Show, episode: Episode | None = None) -> list[Credit]:
    """The episode's people, or the show's when the episode names none, as apps do."""
    persons: list[Person] = []
    if episode is not None:
        persons = list(
            db.session.scalars(
                select(Person)
                .where(Person.episode_id == episode.id)
                .order_by(Person.position, Person.id)
            )
        )
    return [_credit(person) for person in persons or show.persons]


def _credit(person: Person) -> Credit:
    role = (person.role or "").strip()
    label = ROLE_NAMES.get(role.lower())
    href = person.href if person.href and person.href.startswith(("https://", "http://")) else None
    return Credit(person.name, str(label) if label else role, href)
