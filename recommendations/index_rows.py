"""The stored index: one IndexMovie row per movie and build, and the small index a request builds from the rows
it reads (engine.index.index_from_rows), so no process holds a catalog-sized structure.

A request reads the rows of the movies involved: similar, one movie's row and its neighbours' priors; the
personalized list, the user's movies' rows, the rows they point at, and as further candidates the best priors
(overall, in the saved genres, among the filter's matches) and the saved people's films (IndexPerson). Two to
seven indexed queries, whatever the catalog size.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import QuerySet

from movies.models import Movie
from recommendations.engine import text
from recommendations.engine.index import (
    EngineIndex,
    MovieRow,
    as_stored,
    index_from_rows,
    movie_rows,
    row_changes,
)
from recommendations.models import IndexArtifact, IndexGenre, IndexMovie, IndexPerson, RecommendationIndex

WRITE_BATCH = 2_000
# Candidates beyond the user's own movies' lists: the best priors overall and within each saved preference.
# At least the ranked list's candidate pool (RECOMMENDATIONS_LIST_SIZE x Blend.candidates_factor).
PRIOR_CANDIDATES = 500
_LISTS = ("content", "cooc", "transitions")
_FLAGS = ("tmdb_id", "prior", "adult", "genres", "people", "director")


def rows_write(build: RecommendationIndex, index: EngineIndex) -> int:
    """Write every movie's row of `build` (not current yet: nobody reads it until it is switched on)."""
    batch: list[IndexMovie] = []
    written = 0
    for row in movie_rows(index):
        batch.append(_model(build, row))
        if len(batch) >= WRITE_BATCH:
            IndexMovie.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        IndexMovie.objects.bulk_create(batch)
        written += len(batch)
    _people_write(build, index)
    return written


def _people_write(build: RecommendationIndex, index: EngineIndex, keys: set[str] | None = None) -> None:
    """Each name key's movies (only `keys` when given), best prior first (at most PRIOR_CANDIDATES)."""
    by_column = index.people.tocsc()
    movies: dict[str, list[int]] = {}
    for column, name in enumerate(index.people_names):
        key = text.name_key(name)
        if keys is not None and key not in keys:
            continue
        rows = by_column.indices[by_column.indptr[column] : by_column.indptr[column + 1]]
        movies.setdefault(key, []).extend(rows.tolist())
    batch = []
    for key, rows in movies.items():
        if not key:
            continue
        rows_arr = np.unique(np.asarray(rows, dtype=np.int64))
        best = rows_arr[np.argsort(-index.prior[rows_arr], kind="stable")][:PRIOR_CANDIDATES]
        batch.append(IndexPerson(build=build, key=key[:255], tmdb_ids=index.tmdb_ids[best].tolist()))
    IndexPerson.objects.bulk_create(batch, batch_size=WRITE_BATCH)


def tables_tidy() -> None:
    """After a build on PostgreSQL: fresh planner statistics and visibility map for the index tables.

    A build writes (and prunes) a catalog's worth of rows at once; until autovacuum gets to them the planner
    takes the tables for empty and the covering index cannot answer alone, and a personalized list's
    candidate query reads one heap page per candidate (218 ms instead of 62 ms p50 at 100k movies). VACUUM
    cannot run inside a transaction (a test's): ANALYZE alone then.
    """
    if connection.vendor != "postgresql":
        return
    statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (IndexMovie, IndexPerson, IndexGenre))
    with connection.cursor() as cursor:
        cursor.execute(f"{statement} {tables}")


def genres_write(build: RecommendationIndex, picks: dict[tuple[int, bool], tuple[list[int], list[float]]]) -> None:
    """Replace the build's genre picks (engine.index.genre_picks): two small rows per genre, rewritten whole by
    every build, full or incremental (a few dozen rows whatever the catalog size)."""
    IndexGenre.objects.filter(build=build).delete()
    IndexGenre.objects.bulk_create(
        [
            IndexGenre(build=build, genre=genre, adult=adult, tmdb_ids=ids, scores=[round(s, 6) for s in scores])
            for (genre, adult), (ids, scores) in picks.items()
        ]
    )


def genre_list(build: RecommendationIndex, *, genre: int, adult: bool) -> list[tuple[int, float]]:
    """(tmdb_id, score) of a genre's picks in `build`, best first: one row read."""
    row = IndexGenre.objects.filter(build_id=build.pk, genre=genre, adult=adult).values_list("tmdb_ids", "scores")
    ids, scores = row.first() or ([], [])
    return list(zip(ids, scores, strict=True))


# Parts of an artifact: well under PostgreSQL's 1 GB limit on one value, and a bounded buffer on both sides.
ARTIFACT_PART_BYTES = 64 * 1024 * 1024


def artifact_write(build: RecommendationIndex, name: str, payload: bytes) -> None:
    """Store `payload` as the build's artifact `name` (replacing it), in parts."""
    IndexArtifact.objects.filter(build=build, name=name).delete()
    parts = [payload[i : i + ARTIFACT_PART_BYTES] for i in range(0, len(payload), ARTIFACT_PART_BYTES)] or [b""]
    for part, data in enumerate(parts):  # one insert each: a bulk insert would hold every part twice
        IndexArtifact.objects.create(build=build, name=name, part=part, data=data)


def artifact_read(build: RecommendationIndex, name: str) -> bytes | None:
    """The build's artifact `name`, or None when the build has none (built before artifacts existed)."""
    parts = IndexArtifact.objects.filter(build_id=build.pk, name=name).order_by("part").values_list("data", flat=True)
    chunks = [bytes(data) for data in parts.iterator(chunk_size=1)]
    return b"".join(chunks) if chunks else None


def build_switch(build: RecommendationIndex, *, keep: int) -> None:
    """Make `build` the current one and prune all but the newest `keep` builds, in one transaction."""
    with transaction.atomic():
        RecommendationIndex.objects.filter(current=True).exclude(pk=build.pk).update(current=False)
        RecommendationIndex.objects.filter(pk=build.pk).update(current=True)
        old = RecommendationIndex.objects.exclude(pk=build.pk).values_list("pk", flat=True)[keep - 1 :]
        RecommendationIndex.objects.filter(pk__in=list(old)).delete()
        # Only the current build's artifacts are ever read (by the next incremental build).
        IndexArtifact.objects.exclude(build=build).delete()
    build.current = True


def _movie_row(values: dict) -> MovieRow:
    def pair(value) -> tuple[list[int], list[float]]:
        return (value[0], value[1]) if value else ([], [])

    return MovieRow(
        tmdb_id=values["tmdb_id"],
        prior=values["prior"],
        adult=values["adult"],
        genres=values.get("genres") or [],
        people=values.get("people") or [],
        director=values.get("director", ""),
        content=pair(values.get("content")),
        cooc=pair(values.get("cooc")),
        transitions=pair(values.get("transitions")),
    )


def _rows(build_id: int, *, lists: Iterable[str] = (), fields: Iterable[str] = _FLAGS) -> QuerySet:
    return IndexMovie.objects.filter(build_id=build_id).values(*fields, *lists)


_IDS_POSTGRESQL = '"recommendations_indexmovie"."tmdb_id" = ANY(%s::integer[])'
_IDS_SQLITE = '"recommendations_indexmovie"."tmdb_id" IN (SELECT value FROM json_each(%s))'


def _of_movies(queryset: QuerySet, tmdb_ids: Iterable[int]) -> QuerySet:
    """`queryset` narrowed to these movies, the ids sent as one parameter (a PostgreSQL array, a JSON array read
    by SQLite's json_each): a request asks for thousands of ids, and `tmdb_id__in` prepares each one in
    Python (about 5 us an id, 20 ms of a personalized list)."""
    ids = sorted({int(t) for t in tmdb_ids})
    if connection.vendor == "postgresql":
        return queryset.extra(where=[_IDS_POSTGRESQL], params=[ids])  # noqa: S610 (fixed SQL, ids as a parameter)
    return queryset.extra(where=[_IDS_SQLITE], params=[json.dumps(ids)])  # noqa: S610


_NO_SCORING = (np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, bool))


def _arrays(queryset: QuerySet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tmdb_ids, priors, adult flags) of a `values_list("tmdb_id", "prior", "adult")` queryset, fetched as
    plain tuples: thousands of candidates a request, and the ORM's per-row converters cost more than the
    query."""
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    if not fetched:
        return _NO_SCORING
    ids, prior, adult = zip(*fetched, strict=True)
    return np.array(ids, np.int64), np.array(prior, np.float32), np.array(adult, bool)


@dataclass
class Candidates:
    """The movies a ranking reads, and the index over them: `rows` read whole (the seeds, with all their lists)
    or with what scoring needs (genres and people, when the user saved some), the rest as `scoring` arrays
    (tmdb_ids, priors, adult flags). `with_lists` completes the few that can be served (their content lists
    for diversity, their genres and people for the reasons)."""

    build_id: int
    rows: list[MovieRow]
    scoring: tuple[np.ndarray, np.ndarray, np.ndarray]
    index: EngineIndex
    complete: set[int]
    fields: tuple[str, ...]  # what `with_lists` reads beside content

    def with_lists(self, tmdb_ids: Iterable[int]) -> EngineIndex:
        todo = [int(t) for t in tmdb_ids if int(t) not in self.complete]
        if todo:
            read = _rows(self.build_id, lists=("content",), fields=self.fields)
            full = {v["tmdb_id"]: _movie_row(v) for v in _of_movies(read, todo)}
            self.rows = [full.pop(r.tmdb_id, r) for r in self.rows] + list(full.values())
            self.complete.update(todo)
            ids, prior, adult = self.scoring
            keep = ~np.isin(ids, np.asarray(todo, dtype=np.int64))
            self.scoring = (ids[keep], prior[keep], adult[keep])
            self.index = index_from_rows(
                self.rows, scoring=self.scoring, version=self.index.version, meta=self.index.meta
            )
        return self.index


def whole_rows(build: RecommendationIndex) -> list[MovieRow]:
    """Every row of a build: for builds (workers) only, never a request."""
    return [_movie_row(v) for v in _rows(build.pk, lists=_LISTS).order_by("tmdb_id").iterator(chunk_size=5_000)]


def whole_index(build: RecommendationIndex) -> EngineIndex:
    """Every row of a build as one EngineIndex: for builds (workers) only, never a request."""
    rows = whole_rows(build)
    return index_from_rows(rows, version=build.version, catalog_version=build.catalog_version, meta=build.meta)


# A prior that moved less than this keeps its stored value in an incremental write: a sync that changes a few
# films' votes shifts the catalog mean, hence every prior, by a hair; rewriting every row for that would make
# the refresh cost the catalog. The next full build stores the exact values.
PRIOR_TOLERANCE = 1e-3


def rows_update(build: RecommendationIndex, old: EngineIndex, index: EngineIndex) -> tuple[int, EngineIndex]:
    """An incremental refresh of `build` in place: write only the rows that differ from `old` (the build's
    index as stored: new, changed and removed movies, and the movies whose lists now name or drop them), and
    the name keys of the people on them. The differences are found over the two indexes' arrays
    (`engine.index.row_changes`); only the rows written become Python objects. Run it inside the transaction
    that also bumps the build's version. Returns the rows written and the index as now stored
    (`engine.index.as_stored`: the next refresh compares with that)."""
    changes = row_changes(old, index, prior_tolerance=PRIOR_TOLERANCE)
    removed = old.tmdb_ids[changes.removed].tolist()
    fresh = list(movie_rows(index, changes.changed))
    # Changed rows are replaced whole (delete, then insert): an UPDATE per row (bulk_update's CASE WHEN over
    # every column) cost 13 s for 5,000 rows at 100k movies.
    gone = _of_movies(IndexMovie.objects.filter(build_id=build.pk), [*removed, *(r.tmdb_id for r in fresh)])
    gone.delete()  # one DELETE: nothing points at an index row, and no signal listens
    IndexMovie.objects.bulk_create([_model(build, r) for r in fresh], batch_size=WRITE_BATCH)
    previous = [*changes.changed_old, *changes.removed]  # the touched movies' old rows: the people they named
    keys = {text.name_key(name) for r in fresh for name in r.people}
    keys |= {
        text.name_key(old.people_names[c])
        for r in previous
        for c in old.people.indices[old.people.indptr[r] : old.people.indptr[r + 1]]
    }
    keys.discard("")
    IndexPerson.objects.filter(build_id=build.pk, key__in=keys).delete()
    _people_write(build, index, keys=keys)
    return len(fresh) + len(removed), as_stored(old, index, changes)


def _model(build: RecommendationIndex, row: MovieRow) -> IndexMovie:
    return IndexMovie(
        build=build,
        tmdb_id=row.tmdb_id,
        prior=row.prior,
        adult=row.adult,
        genres=row.genres,
        people=row.people,
        director=row.director[:255],
        content=[list(row.content[0]), list(row.content[1])],
        cooc=[list(row.cooc[0]), list(row.cooc[1])],
        transitions=[list(row.transitions[0]), list(row.transitions[1])],
    )


def similar_index(build: RecommendationIndex, tmdb_id: int) -> EngineIndex | None:
    """The movie's row and its content neighbours' rows (flags and priors): two queries. None when unknown."""
    source = _rows(build.pk, lists=("content",)).filter(tmdb_id=tmdb_id).first()
    if source is None:
        return None
    ids = source["content"][0] if source["content"] else []
    others = [_movie_row(v) for v in _of_movies(_rows(build.pk), ids)] if ids else []
    return index_from_rows([_movie_row(source), *others], version=build.version, meta=build.meta)


def candidate_index(
    build: RecommendationIndex,
    *,
    seeds: Iterable[int],
    extra: Iterable[int] = (),
    genres: Iterable[int] = (),
    people: Iterable[str] = (),
    matching: QuerySet[Movie] | None = None,
    adult: bool = True,
) -> Candidates:
    """The rows a personalized ranking needs: the `seeds` (the user's movies) with all their lists, every
    movie those lists name, the `extra` ids, and the best priors overall, in `genres`, crediting `people` and
    among `matching` (discover filters) as further candidates (see `Candidates`).
    """
    seeds = {int(t) for t in seeds}
    seed_rows = [_movie_row(v) for v in _of_movies(_rows(build.pk, lists=_LISTS), seeds)] if seeds else []
    wanted = {int(t) for t in extra}
    for row in seed_rows:
        for name in _LISTS:
            wanted.update(getattr(row, name)[0])
    by_prior = IndexMovie.objects.filter(build_id=build.pk)
    if not adult:
        by_prior = by_prior.filter(adult=False)
    pools = [by_prior]
    genres, people = list(genres), list(people)
    # Genres and people are read beyond the seeds only when saved: preference scores and their reasons.
    saved = (*(["genres"] if genres else []), *(["people"] if people else []))
    if genres:
        pools.append(by_prior.filter(tmdb_id__in=Movie.objects.filter(genres__tmdb_id__in=genres).values("tmdb_id")))
    if people:
        keys = {text.name_key(name) for name in people}
        for ids in IndexPerson.objects.filter(build_id=build.pk, key__in=keys).values_list("tmdb_ids", flat=True):
            wanted.update(ids)
    if matching is not None:
        pools.append(by_prior.filter(tmdb_id__in=matching.values("tmdb_id")))
    for pool in pools:
        wanted.update(pool.order_by("-prior", "tmdb_id").values_list("tmdb_id", flat=True)[:PRIOR_CANDIDATES])
    wanted -= seeds
    others: list[MovieRow] = []
    scoring = _NO_SCORING
    if wanted and (genres or people):
        others = [
            _movie_row(v) for v in _of_movies(_rows(build.pk, fields=("tmdb_id", "prior", "adult", *saved)), wanted)
        ]
    elif wanted:  # from the scoring index alone
        queryset = _of_movies(IndexMovie.objects.filter(build_id=build.pk), wanted)
        scoring = _arrays(queryset.values_list("tmdb_id", "prior", "adult"))
    rows = [*seed_rows, *others]
    index = index_from_rows(rows, scoring=scoring, version=build.version, meta=build.meta)
    fields = ("tmdb_id", "prior", "adult", "director", *saved)
    return Candidates(build.pk, rows, scoring, index, {r.tmdb_id for r in seed_rows}, fields)


def by_prior(build: RecommendationIndex, *, adult: bool, exclude: set[int], limit: int) -> list[tuple[int, float]]:
    """(tmdb_id, prior) of the best priors, best first, skipping `exclude`: one indexed query."""
    rows = IndexMovie.objects.filter(build_id=build.pk)
    if not adult:
        rows = rows.filter(adult=False)
    if exclude:
        rows = rows.exclude(tmdb_id__in=exclude)
    return list(rows.order_by("-prior", "tmdb_id").values_list("tmdb_id", "prior")[:limit])
