"""Full-text search over published episodes: SQLite FTS5 embedded, PostgreSQL in production.

Both backends index the same words the same way (Unicode case folding,
accents kept, so “år” and “ar” differ) and every word of a query must match,
the last one also as a prefix so results appear while a word is being typed.
The index lives beside the models, not in them: see ``include_name``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from markupsafe import Markup, escape
from sqlalchemy import text

from app.extensions import db
from app.models import utcnow
from app.services.errors import InvalidInput

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_RESULTS = 50
# Private-use marks around the matches, escaped away before they become <mark>.
_START, _STOP = "\ue000", "\ue001"
# SQLite's FTS5 table and its shadow tables; PostgreSQL's generated column and its index.
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
        raise InvalidInput(f"The search may be at most {MAX_QUERY_LENGTH} characters.", "q")
    return [word.lower() for word in re.findall(r"\w+", query)][:MAX_TERMS]


def search_episodes(query: str, now: datetime | None = None) -> list[SearchHit]:
    """Published episodes matching every word, best match first.

    :raise InvalidInput: when the query is too long.
    """
    terms = query_terms(query)
    if not terms:
        return []
    if db.engine.dialect.name == "postgresql":
        rows = _search_postgresql(terms, now or utcnow())
    else:
        rows = _search_sqlite(terms, now or utcnow())
    return [_hit(row) for row in rows]


def _search_sqlite(terms: list[str], now: datetime):
    match = " ".join(f'"{term}"' for term in terms) + "*"
    statement = text(
        """
        SELECT s.slug AS show_slug, s.title AS show_title, s.language AS show_language,
               e.slug AS episode_slug, e.title AS episode_title, e.published_at,
               snippet(episode_search, -1, :start, :stop, '…', 16) AS snippet
        FROM episode_search
        JOIN episodes e ON e.id = episode_search.rowid
        JOIN shows s ON s.id = e.show_id
        WHERE episode_search MATCH :match AND e.published_at <= :now
        ORDER BY bm25(episode_search, 10.0, 2.0, 1.0), e.published_at DESC
        LIMIT :limit
        """
    )
    params = {"match": match, "now": _naive(now), "limit": MAX_RESULTS}
    return db.session.execute(statement, {**params, "start": _START, "stop": _STOP}).all()


def _search_postgresql(terms: list[str], now: datetime):
    tsquery = " & ".join([*terms[:-1], terms[-1] + ":*"])
    statement = text(
        """
        SELECT s.slug AS show_slug, s.title AS show_title, s.language AS show_language,
               e.slug AS episode_slug, e.title AS episode_title, e.published_at,
               ts_headline('simple', e.title || ' ' || e.description, q,
                           'StartSel=' || :start || ', StopSel=' || :stop
                           || ', MaxWords=30, MinWords=10') AS snippet
        FROM episodes e
        JOIN shows s ON s.id = e.show_id,
             to_tsquery('simple', :tsquery) AS q
        WHERE e.search_vector @@ q AND e.published_at <= :now
        ORDER BY ts_rank(e.search_vector, q) DESC, e.published_at DESC
        LIMIT :limit
        """
    )
    params = {"tsquery": tsquery, "now": _naive(now), "limit": MAX_RESULTS}
    return db.session.execute(statement, {**params, "start": _START, "stop": _STOP}).all()


def _naive(moment: datetime) -> datetime:
    """Columns hold naive UTC (see ``UTCDateTime``); raw SQL must compare likewise."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def _hit(row) -> SearchHit:
    published = row.published_at
    if isinstance(published, str):  # SQLite returns raw text from a text() query
        published = datetime.fromisoformat(published)
    return SearchHit(
        show_slug=row.show_slug,
        show_title=row.show_title,
        show_language=row.show_language,
        episode_slug=row.episode_slug,
        episode_title=row.episode_title,
        published_at=published.replace(tzinfo=UTC),
        snippet=_marked(row.snippet or ""),
    )


def _marked(snippet: str) -> Markup:
    """Escape the stored text first, so only our own marks become HTML."""
    html = str(escape(snippet)).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return Markup(html)  # escaped text and our own tags only
