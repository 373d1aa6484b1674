"""Films the model named from its own knowledge (prompt nl-v2), resolved against our catalog.

The model knows which films fit ("like Amélie but darker": Delicatessen); the catalog knows which exist. A named
film is kept only when exactly one visible movie matches it: the IMDb id exactly, else the title (case, accents
and punctuation ignored, `movies.titles.title_key`) with the year within one. When nothing matches and TMDb is
configured, a few names are looked up through TMDb's search and the one exact match is stored in the mirror.
Everything else is dropped and counted (`llm.suggestion.<outcome>` in the usage counters).

The cost is bounded whatever the model writes: at most `llm.MAX_SUGGESTIONS_READ` names, one query for the
titles and one for the IMDb ids, at most MAX_TMDB_LOOKUPS searches, none once the shared deadline is spent.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q

from movie_backend import usage
from movies.models import Movie
from movies.selectors import movies_visible_to
from movies.services import movies_upsert_from_tmdb
from movies.text import search_key
from movies.titles import YEAR_TOLERANCE, title_key
from movies.tmdb import RetryPolicy, TmdbClient, TmdbError, tmdb_configured
from recommendations import llm
from recommendations.selectors import excluded_movie_pks

logger = logging.getLogger(__name__)

# TMDb searches for names the mirror does not hold, per answer; each one is bounded by the time left.
MAX_TMDB_LOOKUPS = 3
# A TMDb search only starts with at least this much of the deadline left.
MIN_LOOKUP_SECONDS = 0.3
_IMDB_RE = re.compile(r"^tt\d{7,10}$")

# Outcomes, as counted: resolved (kept), invented (nothing matches), ambiguous (more than one movie matches),
# excluded (seen or not_interested for this caller), repeated (named twice).
OUTCOMES = ("resolved", "invented", "ambiguous", "excluded", "repeated")


@dataclass(frozen=True)
class Grounded:
    movie: Movie
    reason: str


@dataclass
class GroundingOutcome:
    kept: list[Grounded] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


def _year(movie: Movie) -> int | None:
    return movie.release_date.year if movie.release_date else None


def _key_variants(title: str) -> set[str]:
    """search_key forms a stored title may have for this name ("&" and "and" both tried)."""
    forms = {title, title.replace("&", " and "), re.sub(r"\band\b", "&", title, flags=re.IGNORECASE)}
    return {k for k in map(search_key, forms) if k}


def _matching(movies: list[Movie], title: str, year: int | None) -> list[Movie]:
    key = title_key(title)
    named = [m for m in movies if key in (title_key(m.title), title_key(m.original_title or ""))]
    if year is None:
        return named
    return [m for m in named if _year(m) is not None and abs(_year(m) - year) <= YEAR_TOLERANCE]


def _catalog_rows(suggestions: list[llm.LlmSuggestion], visible) -> tuple[list[Movie], dict[str, list[Movie]]]:
    """Visible movies whose stored title could be one of the names, and those with one of the IMDb ids."""
    keys: set[str] = set()
    for suggestion in suggestions:
        if suggestion.title:
            keys |= _key_variants(suggestion.title)
    by_title: list[Movie] = []
    if keys:
        condition = Q(title_normalized__in=keys)
        for key in sorted(keys):  # an original title is stored after " / " in titles_normalized
            condition |= Q(titles_normalized__endswith=f" / {key}")
        by_title = list(visible.filter(condition)[:500])
    imdb_ids = {s.imdb_id for s in suggestions if _IMDB_RE.match(s.imdb_id)}
    by_imdb: dict[str, list[Movie]] = {}
    if imdb_ids:
        for movie in visible.filter(imdb_id__in=imdb_ids):
            by_imdb.setdefault(movie.imdb_id, []).append(movie)
    return by_title, by_imdb


def _tmdb_lookup(title: str, year: int | None, *, deadline: float) -> int | None:
    """GET /search/movie for `title`: the pk of the one exact match (stored in the mirror), else None.

    The year is not sent (TMDb's filter is exact, ours is within one); one attempt, within the time left.
    """
    remaining = deadline - time.monotonic()
    if remaining < MIN_LOOKUP_SECONDS:
        return None
    policy = RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0, max_rate_wait=min(0.2, remaining / 4))
    client = TmdbClient(policy=policy, timeout=(min(1.0, remaining), remaining))
    try:
        body = client.search_movies(query=title)
    except TmdbError as exc:
        logger.info("TMDb search for a suggested film failed (%s)", exc.outcome)
        return None
    results = body.get("results") if isinstance(body, dict) else None
    key = title_key(title)
    fitting = []
    for item in results if isinstance(results, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int) or item.get("adult"):
            continue
        if key not in (title_key(str(item.get("title") or "")), title_key(str(item.get("original_title") or ""))):
            continue
        released = str(item.get("release_date") or "")[:4]
        item_year = int(released) if released.isdigit() else None
        if year is None or (item_year is not None and abs(item_year - year) <= YEAR_TOLERANCE):
            fitting.append(item)
    if len(fitting) != 1:
        return None
    return movies_upsert_from_tmdb(items=fitting).get(fitting[0]["id"])


def ground_suggestions(*, suggestions: list[llm.LlmSuggestion], user, deadline: float) -> GroundingOutcome:
    """The named films that resolve to exactly one movie this caller may be recommended, in the model's order."""
    outcome = GroundingOutcome()
    suggestions = suggestions[: llm.MAX_SUGGESTIONS_READ]
    if not suggestions:
        return outcome
    visible = movies_visible_to(user=user)
    by_title, by_imdb = _catalog_rows(suggestions, visible)
    resolved: list[tuple[Movie, str]] = []
    lookups = 0
    for suggestion in suggestions:
        found = by_imdb.get(suggestion.imdb_id, [])
        if len(found) != 1 and suggestion.title:
            found = _matching(by_title, suggestion.title, suggestion.year)
            if not found and lookups < MAX_TMDB_LOOKUPS and tmdb_configured():
                lookups += 1
                pk = _tmdb_lookup(suggestion.title, suggestion.year, deadline=deadline)
                fetched = visible.filter(pk=pk).first() if pk is not None else None
                found = [fetched] if fetched is not None else []
        if len(found) == 1:
            resolved.append((found[0], suggestion.reason))
        else:
            outcome.counts["ambiguous" if found else "invented"] += 1
    excluded = excluded_movie_pks(user=user, pks=[m.pk for m, _ in resolved])
    kept_pks: set[int] = set()
    for movie, reason in resolved:
        if movie.pk in excluded:
            outcome.counts["excluded"] += 1
        elif movie.pk in kept_pks:
            outcome.counts["repeated"] += 1
        else:
            kept_pks.add(movie.pk)
            outcome.counts["resolved"] += 1
            outcome.kept.append(Grounded(movie=movie, reason=reason))
    for name, amount in outcome.counts.items():
        usage.count(f"llm.suggestion.{name}", amount)
    return outcome
