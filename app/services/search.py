"""Full-text search over published episodes: SQLite FTS5 embedded, PostgreSQL in production.

Both backends index the same words the same way, ignoring case and diacritics
(FTS5's ``remove_diacritics 2``; PostgreSQL's ``unaccent`` in the text search
configuration ``podhost_search``, migration 0019), so “rosengard” and
“ROSENGÅRD” both find “Rosengård”. Every word of a query must match, the last
one also as a prefix so results appear while a word is being typed.
The index lives beside the models, not in them: see ``include_name``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext
from markupsafe import Markup, escape
from sqlalchemy import bindparam, select, text

from app.extensions import db
from app.models import Transcript, utcnow
from app.services.errors import InvalidInput

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_RESULTS = 50
# Private-use marks around the matches, escaped away before they become <mark>.
_START, _STOP = "\ue000", "\ue001"
# SQLite's FTS5 table and its shadow tables; PostgreSQL's generated columns and their index.
SEARCH_SCHEMA_NAMES = ("episode_search", "ix_episodes_search", "search_vector")


@dataclass(frozen=True)
class SearchHit:
    show_slug: str
    show_title: str
    show_language: str
    episode_slug: str
    episode_title: str
    published_at: datetime
    snippet: Markup
    in_transcript: bool = False  # found only with the words of a transcript
    cue_start: float | None = None  # where the transcript line shown as snippet begins


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic filter: the search index is built by migration 0004 in raw SQL, not by models."""
    return not (name and name.startswith(SEARCH_SCHEMA_NAMES))


def query_terms(query: str) -> list[str]:
    """The words of a query, lower-cased; punctuation cannot reach the query syntax.

    >>> query_terms('Lindängen "bo" -OR- år*')
    ['lindängen', 'bo', 'or', 'år']

    :raise InvalidInput: when the query is too long.
    """
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            gettext("The search may be at most %(count)d characters.", count=MAX_QUERY_LENGTH), "q"
        )
    return [word.lower() for word in re.findall(r"\w+", query)][:MAX_TERMS]


def search_episodes(query: str, now: datetime | None = None) -> list[SearchHit]:
    """Published episodes matching every word in their title, notes or transcripts,
    best match first. A hit that needs its transcript to match says so and shows a
    passage of the transcript; others show their notes.

    Ranking picks the page of hits first; passages are cut only for those.
    Transcript passages are cut here rather than by the database: its snippet
    functions re-read a whole transcript per hit, which made a common word cost
    most of a second over 50 half-hour transcripts (bench/README.md).

    :raise InvalidInput: when the query is too long.
    """
    terms = query_terms(query)
    if not terms:
        return []
    if db.engine.dialect.name == "postgresql":
        rows = _search_postgresql(terms, now or utcnow())
    else:
        rows = _search_sqlite(terms, now or utcnow())
    cues = _cues_of([row.id for row in rows if row.in_transcript])
    return [_hit(row, terms, cues.get(row.id, [])) for row in rows]


_SQLITE_RANKED = text(
    """
    SELECT e.id, s.slug AS show_slug, s.title AS show_title, s.language AS show_language,
           e.slug AS episode_slug, e.title AS episode_title, e.published_at
    FROM episode_search
    JOIN episodes e ON e.id = episode_search.rowid
    JOIN shows s ON s.id = e.show_id
    WHERE episode_search MATCH :match AND e.published_at <= :now
    ORDER BY bm25(episode_search, 10.0, 2.0, 1.0), e.published_at DESC
    LIMIT :limit
    """
)
# The same words within title and notes only: the hits that match here need no transcript.
_SQLITE_NOTES = text(
    """
    SELECT rowid AS id, snippet(episode_search, 1, :start, :stop, '…', 16) AS notes
    FROM episode_search
    WHERE episode_search MATCH :match AND rowid IN :ids
    """
).bindparams(bindparam("ids", expanding=True))
_TRANSCRIPTS = text("SELECT id, transcript_text FROM episodes WHERE id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


def _search_sqlite(terms: list[str], now: datetime) -> list[_Row]:
    phrases = " ".join(f'"{term}"' for term in terms) + "*"
    ranked = db.session.execute(
        _SQLITE_RANKED, {"match": phrases, "now": _naive(now), "limit": MAX_RESULTS}
    ).all()
    if not ranked:
        return []
    ids = [row.id for row in ranked]
    notes = dict(
        db.session.execute(
            _SQLITE_NOTES,
            {"match": f"{{title notes}} : ({phrases})", "ids": ids, "start": _START, "stop": _STOP},
        ).all()
    )
    transcripts = dict(
        db.session.execute(_TRANSCRIPTS, {"ids": [id_ for id_ in ids if id_ not in notes]}).all()
    )
    return [
        _Row(
            row.id,
            *row[1:],
            in_transcript=row.id not in notes,
            snippet=notes.get(row.id),
            transcript_text=transcripts.get(row.id),
        )
        for row in ranked
    ]


_POSTGRESQL = text(
    """
    SELECT e.id, s.slug AS show_slug, s.title AS show_title, s.language AS show_language,
           e.slug AS episode_slug, e.title AS episode_title, e.published_at,
           NOT e.in_notes AS in_transcript,
           CASE WHEN e.in_notes THEN
               ts_headline('podhost_search', e.title || ' ' || e.description,
                           to_tsquery('podhost_search', :tsquery),
                           'StartSel=' || :start || ', StopSel=' || :stop
                           || ', MaxWords=30, MinWords=10')
           END AS snippet,
           CASE WHEN NOT e.in_notes THEN e.transcript_text END AS transcript_text
    FROM (
        SELECT e.id, e.show_id, e.slug, e.title, e.description, e.transcript_text,
               e.published_at, ts_rank(e.search_vector_notes, q) AS rank,
               e.search_vector_notes @@ q AS in_notes
        FROM episodes e, to_tsquery('podhost_search', :tsquery) AS q
        WHERE e.search_vector @@ q AND e.published_at <= :now
        ORDER BY rank DESC, e.published_at DESC
        LIMIT :limit
    ) AS e
    JOIN shows s ON s.id = e.show_id
    ORDER BY e.rank DESC, e.published_at DESC
    """
)


def _search_postgresql(terms: list[str], now: datetime) -> list[_Row]:
    """``search_vector`` (title, notes and transcripts) finds the hits through its index;
    ``search_vector_notes`` (title and notes) ranks them and tells those that needed a
    transcript, which come after the others, newest first (migration 0010 says why).
    """
    words, last = terms[:-1], terms[-1]
    params = {
        "tsquery": " & ".join([*words, last + ":*"]),
        "now": _naive(now),
        "limit": MAX_RESULTS,
        "start": _START,
        "stop": _STOP,
    }
    return [_Row(*row) for row in db.session.execute(_POSTGRESQL, params)]


@dataclass(frozen=True)
class _Row:
    id: int
    show_slug: str
    show_title: str
    show_language: str
    episode_slug: str
    episode_title: str
    published_at: datetime | str
    in_transcript: bool
    snippet: str | None  # of the notes, marked by the database
    transcript_text: str | None  # for a hit found in its transcript


def fold(text: str) -> str:
    """Lower case without diacritics, one character for one, as the indexes compare words.

    Keeping the length lets a match found in the folded text be marked in the original.

    >>> fold("ROSENGÅRD Kroksbäck İ")
    'rosengard kroksback i'
    """
    return "".join(
        (unicodedata.normalize("NFD", char)[:1] or char).lower()[:1] or char for char in text
    )


def _term_pattern(terms: list[str]) -> re.Pattern[str]:
    """Every word whole, the last also as a prefix, over folded text."""
    *words, last = (re.escape(fold(term)) for term in terms)
    return re.compile(r"(?<!\w)(?:" + "|".join([*words, last + r"\w*"]) + r")(?!\w)")


def _mark(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with the pattern's matches (found in its folded form) between marks."""
    out, at = [], 0
    for match in pattern.finditer(fold(text)):
        out += [text[at : match.start()], _START, text[match.start() : match.end()], _STOP]
        at = match.end()
    return "".join([*out, text[at:]])


def transcript_passage(text: str, terms: list[str], before: int = 60, after: int = 140) -> str:
    """The words around the first match in a transcript, matches marked as in snippets.

    Every word whole, the last also as a prefix, case and diacritics ignored: as the
    indexes match.

    >>> transcript_passage("Åsa: Hej.\\nVi bor i Lindängen nu.", ["lindan"]).replace(_START, "[")
    'Åsa: Hej. Vi bor i [Lindängen\\ue001 nu.'
    """
    pattern = _term_pattern(terms)
    text = " ".join(text.split())
    first = pattern.search(fold(text))
    if first is None:
        return text[: before + after]
    start = max(0, first.start() - before)
    end = min(len(text), first.end() + after)
    if start > 0:
        start = text.find(" ", start) + 1  # begin and end on whole words
    if end < len(text):
        cut = text.rfind(" ", first.end(), end)
        end = cut if cut != -1 else end
    window = _mark(text[start:end], pattern)
    return ("…" if start > 0 else "") + window + ("…" if end < len(text) else "")


def matching_cue(cues: list[dict], terms: list[str]) -> dict | None:
    """The transcript line with the most of the query's words, the earliest of equals.

    >>> matching_cue([{"start": 1, "text": "Hej"}, {"start": 5, "text": "Om Rosengård"}],
    ...              ["rosengard"])["start"]
    5
    """
    last = len(terms) - 1
    patterns = [
        re.compile(r"(?<!\w)" + re.escape(fold(term)) + (r"\w*" if i == last else "") + r"(?!\w)")
        for i, term in enumerate(terms)
    ]
    best, best_count = None, 0
    for cue in cues:
        folded = fold(cue.get("text") or "")
        count = sum(1 for pattern in patterns if pattern.search(folded))
        if count > best_count:
            best, best_count = cue, count
    return best


_CUES = select(Transcript.episode_id, Transcript.cues).order_by(Transcript.language)


def _cues_of(episode_ids: list[int]) -> dict[int, list[dict]]:
    """Every transcript line of these episodes, their languages one after another."""
    found: dict[int, list[dict]] = {}
    if episode_ids:
        for episode_id, cues in db.session.execute(
            _CUES.where(Transcript.episode_id.in_(episode_ids))
        ):
            found.setdefault(episode_id, []).extend(cues or [])
    return found


def _naive(moment: datetime) -> datetime:
    """Columns hold naive UTC (see ``UTCDateTime``); raw SQL must compare likewise."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def _hit(row: _Row, terms: list[str], cues: list[dict]) -> SearchHit:
    """A hit in a transcript shows its best line and where it starts; one without
    timed lines (none parsed) falls back to a passage of the transcript's words."""
    published = row.published_at
    if isinstance(published, str):  # SQLite returns raw text from a text() query
        published = datetime.fromisoformat(published)
    cue = matching_cue(cues, terms) if row.in_transcript else None
    if cue is not None:
        snippet = _mark(" ".join((cue.get("text") or "").split()), _term_pattern(terms))
    elif row.in_transcript:
        snippet = transcript_passage(row.transcript_text or "", terms)
    else:
        snippet = row.snippet or ""
    return SearchHit(
        show_slug=row.show_slug,
        show_title=row.show_title,
        show_language=row.show_language,
        episode_slug=row.episode_slug,
        episode_title=row.episode_title,
        published_at=published.replace(tzinfo=UTC),
        snippet=_marked(snippet),
        in_transcript=row.in_transcript,
        cue_start=float(cue["start"]) if cue is not None else None,
    )


def _marked(snippet: str) -> Markup:
    """Escape the stored text first, so only our own marks become HTML."""
    html = str(escape(snippet)).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return Markup(html)  # escaped text and our own tags only
