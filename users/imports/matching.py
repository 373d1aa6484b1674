"""Which catalog movie each imported row names: by IMDb id, else by title and year (movies.titles), else
through TMDb search when a key is configured (movies.services' search, which mirrors what it finds).

Reads only, and network calls: run it before the batch's transaction opens, never inside it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from movie_backend.exceptions import ServiceUnavailable
from movies.selectors import movies_visible_to
from movies.services import movies_search_tmdb
from movies.titles import Ambiguous, TitleIndex
from movies.tmdb import TmdbError, tmdb_configured
from users.imports.rows import AMBIGUOUS, NOT_IN_CATALOG, SEARCH_UNAVAILABLE, ImportRow

logger = logging.getLogger(__name__)

# TMDb search answers 20 results a page; the first page holds the film when its title and year are right.
SEARCH_RESULTS = 20


@dataclass(frozen=True)
class Resolved:
    row: ImportRow
    movie_id: int | None
    reason: str = ""  # why movie_id is None


class CatalogMatcher:
    """Resolves rows to movies the user may see. One per import: it keeps the title index between batches."""

    def __init__(self, *, user):
        self.visible = movies_visible_to(user=user)
        self._titles: TitleIndex | None = None
        self.search = tmdb_configured()
        self.search_down = False

    @property
    def titles(self) -> TitleIndex:
        if self._titles is None:  # built on first need: an IMDb file matched by id never needs it
            self._titles = TitleIndex(self.visible)
        return self._titles

    def resolve(self, rows: list[ImportRow]) -> list[Resolved]:
        """One query for the batch's IMDb ids; title look-ups in memory; TMDb only for what is left."""
        wanted = {row.imdb_id for row in rows if row.imdb_id and not row.problem}
        by_imdb = dict(self.visible.filter(imdb_id__in=wanted).values_list("imdb_id", "pk")) if wanted else {}
        resolved = []
        for row in rows:
            if row.problem:
                resolved.append(Resolved(row, None, row.problem))
            elif row.imdb_id in by_imdb:
                resolved.append(Resolved(row, by_imdb[row.imdb_id]))
            else:
                # A mirrored movie may lack its IMDb id (list syncs do not carry it): the title still finds it.
                movie_id, reason = self._by_title(row)
                resolved.append(Resolved(row, movie_id, reason))
        return resolved

    def _by_title(self, row: ImportRow) -> tuple[int | None, str]:
        names = [row.title] + ([row.original_title] if row.original_title not in ("", row.title) else [])
        try:
            for name in names:
                movie_id = self.titles.find(name, row.year)
                if movie_id is not None:
                    return movie_id, ""
            if self.search_down:
                return None, SEARCH_UNAVAILABLE
            if self.search:
                return self._search(names, row.year)
        except Ambiguous:
            return None, AMBIGUOUS
        return None, NOT_IN_CATALOG

    def _search(self, names: list[str], year: int | None) -> tuple[int | None, str]:
        """TMDb search for the title (with its year, then without: TMDb's year is the release's, ours may be
        one off); what it finds is mirrored and joins the title index."""
        for name in names:
            for search_year in dict.fromkeys([year, None]):
                try:
                    found = movies_search_tmdb(query=name, year=search_year, visible=self.visible)[:SEARCH_RESULTS]
                except (TmdbError, ServiceUnavailable) as exc:
                    # TMDb is down or refusing: stop asking for the rest of this import (the breaker would
                    # refuse anyway); these rows say so, and importing the file again picks them up.
                    logger.warning("import search stopped: %s", type(exc).__name__)
                    self.search_down = True
                    return None, SEARCH_UNAVAILABLE
                self.titles.add(found)
                movie_id = self.titles.find(name, year)
                if movie_id is not None:
                    return movie_id, ""
        return None, NOT_IN_CATALOG
