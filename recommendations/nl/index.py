"""The local catalog index: a compact in-process structure (numpy arrays and inverted indexes over titles,
people and keywords) built once per process per catalog version, so a request never loads the catalog: it
runs one aggregate query for the version, vector arithmetic over the arrays, and fetches only the candidates.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db import connections

from movies.models import Genre, Movie
from recommendations import selectors
from recommendations.engine import priors
from recommendations.engine.text import name_key, normalize_text, tokens
from recommendations.nl.vocabulary import split_people

logger = logging.getLogger(__name__)


@dataclass
class CatalogIndex:
    version: str
    pks: np.ndarray
    tmdb_ids: np.ndarray
    years: np.ndarray  # 0 when unknown
    adult: np.ndarray
    genres: np.ndarray  # bool (n, G)
    genre_ids: list[int]  # column -> TMDb genre id
    genre_names: list[str]  # column -> name
    prior: np.ndarray  # popularity and quality blend in [0, 1]
    popularity: np.ndarray  # percentile in [0, 1]
    quality: np.ndarray  # vote-count-weighted rating in [0, 1]
    row_of_pk: dict[int, int]
    row_of_tmdb: dict[int, int]
    title_tokens: dict[str, np.ndarray]
    other_tokens: dict[str, np.ndarray]  # keywords and people's name parts
    cast: dict[str, np.ndarray]
    directors: dict[str, np.ndarray]
    writers: dict[str, np.ndarray]
    display_names: dict[str, str]
    titles: dict[str, np.ndarray]
    max_year: int
    max_title_tokens: int
    languages: np.ndarray  # per row, an index into language_codes
    language_codes: dict[str, int]  # ISO 639-1 code -> small int
    keyword_rows: dict[str, np.ndarray] = field(default_factory=dict)  # whole keyword (normalized) -> rows
    surnames: dict[str, str] = field(default_factory=dict)  # a last name borne by one person only -> name key

    @property
    def size(self) -> int:
        return len(self.pks)

    def genre_column(self, name: str) -> int | None:
        lowered = name.casefold()
        for col, genre_name in enumerate(self.genre_names):
            if genre_name.casefold() == lowered:
                return col
        return None

    def genre_columns(self, names: Iterable[str]) -> list[int]:
        cols = []
        for name in names:
            col = self.genre_column(name)
            if col is not None and col not in cols:
                cols.append(col)
        return cols


_index_lock = threading.Lock()
_index: CatalogIndex | None = None
_building_lock = threading.Lock()
_building: str | None = None
# Above this size a catalog change is indexed in a background thread while requests keep using the previous
# index (seconds of staleness instead of a multi-second request); smaller catalogs rebuild in line.
SYNC_BUILD_MAX_ROWS = 20_000


def get_catalog_index(version: str | None = None) -> CatalogIndex:
    """The process's index for the current catalog version, built on first use after any catalog change.

    With a large catalog already indexed, the previous index answers while the new one builds in the
    background; its `version` says which catalog it reflects (answers are cached under that version).
    """
    global _index
    version = version or selectors.catalog_version()
    current = _index
    if current is not None and current.version == version:
        return current
    if current is not None and current.size > SYNC_BUILD_MAX_ROWS:
        _build_in_background(version)
        return current
    with _index_lock:
        if _index is None or _index.version != version:
            _index = build_catalog_index(version=version)
        return _index


def _build_in_background(version: str) -> None:
    global _building
    with _building_lock:
        if _building is not None:
            return
        _building = version

    def run() -> None:
        global _index, _building
        try:
            built = build_catalog_index(version=version)
            with _index_lock:
                _index = built
        except Exception:
            logger.exception("natural-language catalog index build failed")
        finally:
            with _building_lock:
                _building = None
            connections.close_all()  # this thread's own database connection

    threading.Thread(target=run, name="nl-catalog-index", daemon=True).start()


def _as_arrays(mapping: dict[str, list[int]]) -> dict[str, np.ndarray]:
    # Rows were appended in increasing order without repeats (see _append), so no sort is needed.
    return {key: np.asarray(rows, dtype=np.int32) for key, rows in mapping.items()}


def _append(rows: list[int], row: int) -> None:
    if not rows or rows[-1] != row:
        rows.append(row)


def build_catalog_index(*, version: str) -> CatalogIndex:
    genre_rows = list(Genre.objects.order_by("tmdb_id").values_list("pk", "tmdb_id", "name"))
    genre_col = {pk: col for col, (pk, _, _) in enumerate(genre_rows)}
    pks: list[int] = []
    tmdb_ids: list[int] = []
    years: list[int] = []
    adult: list[bool] = []
    popularity: list[float] = []
    vote_average: list[float] = []
    vote_count: list[int] = []
    title_tokens: dict[str, list[int]] = defaultdict(list)
    other_tokens: dict[str, list[int]] = defaultdict(list)
    cast: dict[str, list[int]] = defaultdict(list)
    directors: dict[str, list[int]] = defaultdict(list)
    writers: dict[str, list[int]] = defaultdict(list)
    titles: dict[str, list[int]] = defaultdict(list)
    keyword_rows: dict[str, list[int]] = defaultdict(list)
    display_names: dict[str, str] = {}
    max_title_tokens = 1
    languages: list[int] = []
    language_codes: dict[str, int] = {}

    # Names repeat across thousands of movies: normalise each distinct one once.
    name_keys: dict[str, tuple[str, tuple[str, ...]]] = {}

    def add_people(names: list[str], target: dict[str, list[int]], row: int, parts_for: int = 99) -> None:
        for name in names:
            if not isinstance(name, str):
                continue
            known = name_keys.get(name)
            if known is None:
                key = name_key(name)
                known = name_keys[name] = (key, tuple(p for p in key.split() if len(p) > 2))
                if key:
                    display_names.setdefault(key, name.strip())
            key, parts = known
            if not key:
                continue
            _append(target[key], row)
            if parts_for > 0:
                parts_for -= 1
                for part in parts:
                    _append(other_tokens[part], row)

    columns = (
        "pk",
        "tmdb_id",
        "title",
        "release_date",
        "adult",
        "popularity",
        "vote_average",
        "vote_count",
        "director",
        "writer",
        "cast",
        "keywords",
        "original_language",
    )
    queryset = Movie.objects.order_by("pk").values_list(*columns)
    for row, (
        pk,
        tmdb_id,
        title,
        released,
        is_adult,
        pop,
        avg,
        votes,
        director,
        writer,
        cast_list,
        kws,
        lang,
    ) in enumerate(queryset.iterator(chunk_size=2000)):
        pks.append(pk)
        languages.append(language_codes.setdefault((lang or "").lower(), len(language_codes)))
        tmdb_ids.append(tmdb_id)
        years.append(released.year if released else 0)
        adult.append(bool(is_adult))
        popularity.append(float(pop or 0))
        vote_average.append(float(avg or 0))
        vote_count.append(int(votes or 0))
        words = tokens(title or "")
        if words:
            _append(titles[" ".join(words)], row)
            max_title_tokens = max(max_title_tokens, min(len(words), 12))
        for word in set(words):
            _append(title_tokens[word], row)
        add_people(split_people(director), directors, row)
        add_people(split_people(writer), writers, row)
        # Every listed name (up to 30): cast lists are not always in billing order.
        add_people(cast_list[:30] if isinstance(cast_list, list) else [], cast, row)
        for keyword in kws if isinstance(kws, list) else []:
            if isinstance(keyword, str):
                _append(keyword_rows[normalize_text(keyword)], row)
                for word in set(tokens(keyword)):
                    _append(other_tokens[word], row)

    n = len(pks)
    row_of_pk = {pk: row for row, pk in enumerate(pks)}
    genre_matrix = np.zeros((n, max(len(genre_rows), 1)), dtype=bool)
    through = Movie.genres.through
    for movie_id, genre_id in through.objects.values_list("movie_id", "genre_id").iterator(chunk_size=5000):
        row = row_of_pk.get(movie_id)
        col = genre_col.get(genre_id)
        if row is not None and col is not None:
            genre_matrix[row, col] = True

    pop = np.asarray(popularity, dtype=np.float64)
    pop_pct = (np.argsort(np.argsort(pop, kind="stable"), kind="stable") / max(n - 1, 1)) if n else pop
    avg = np.asarray(vote_average, dtype=np.float64)
    cnt = np.asarray(vote_count, dtype=np.float64)
    # Vote-count-weighted rating (the engine's one formula, priors.weighted_rating): a 9.0 from 3 votes does not
    # beat a 8.2 from 20,000. This index shrinks towards the voted mean over the 60th percentile of all counts.
    mean = float(avg[cnt > 0].mean()) if n and (cnt > 0).any() else 6.0
    m = float(np.percentile(cnt, 60)) if n else 0.0
    weighted = priors.weighted_rating(avg, cnt, mean=mean, min_votes=m)
    quality = np.clip(weighted / 10.0, 0, 1)
    year_array = np.asarray(years, dtype=np.int32)
    return CatalogIndex(
        version=version,
        pks=np.asarray(pks, dtype=np.int64),
        tmdb_ids=np.asarray(tmdb_ids, dtype=np.int64),
        years=year_array,
        adult=np.asarray(adult, dtype=bool),
        genres=genre_matrix,
        genre_ids=[tmdb_id for _, tmdb_id, _ in genre_rows],
        genre_names=[name for _, _, name in genre_rows],
        prior=(0.6 * pop_pct + 0.4 * quality).astype(np.float32),
        popularity=np.asarray(pop_pct, dtype=np.float32),
        quality=quality.astype(np.float32),
        row_of_pk=row_of_pk,
        row_of_tmdb={tmdb_id: row for row, tmdb_id in enumerate(tmdb_ids)},
        title_tokens=_as_arrays(title_tokens),
        other_tokens=_as_arrays(other_tokens),
        cast=_as_arrays(cast),
        directors=_as_arrays(directors),
        writers=_as_arrays(writers),
        display_names=display_names,
        titles=_as_arrays(titles),
        max_year=int(year_array.max()) if n and year_array.max() > 0 else 2025,
        max_title_tokens=max_title_tokens,
        languages=np.asarray(languages, dtype=np.int16),
        language_codes=language_codes,
        keyword_rows=_as_arrays(keyword_rows),
        surnames=_surnames([*cast, *directors, *writers]),
    )


def _surnames(keys: Iterable[str]) -> dict[str, str]:
    """Last names (3+ letters) that name one person of the catalog only ("kubrick" -> "stanley kubrick")."""
    owners: dict[str, set[str]] = defaultdict(set)
    for key in keys:
        parts = key.split()
        if len(parts) > 1 and len(parts[-1]) > 2:
            owners[parts[-1]].add(key)
    return {last: next(iter(names)) for last, names in owners.items() if len(names) == 1}
