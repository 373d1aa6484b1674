"""The stored index: one IndexMovie row per movie and build, and the small index a request builds from the rows
it reads (engine.index.index_from_rows), so no process holds a catalog-sized structure.

A request reads the rows of the movies involved: similar, one movie's row and its neighbours' priors; the
personalized list, the user's movies' rows, the rows they point at, and as further candidates the best priors
(overall, in the saved genres, among the filter's matches) and the saved people's films (IndexPerson). Two to
seven indexed queries, whatever the catalog size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import QuerySet

from movies.models import Movie
from recommendations.engine import text
from recommendations.engine.index import EngineIndex, MovieRow, index_from_rows, movie_rows
from recommendations.models import IndexMovie, IndexPerson, RecommendationIndex

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
        batch.append(
            IndexMovie(
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
        )
        if len(batch) >= WRITE_BATCH:
            IndexMovie.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        IndexMovie.objects.bulk_create(batch)
        written += len(batch)
    _people_write(build, index)
    return written


def _people_write(build: RecommendationIndex, index: EngineIndex) -> None:
    """Each name key's movies, best prior first (at most PRIOR_CANDIDATES)."""
    by_column = index.people.tocsc()
    movies: dict[str, list[int]] = {}
    for column, name in enumerate(index.people_names):
        rows = by_column.indices[by_column.indptr[column] : by_column.indptr[column + 1]]
        movies.setdefault(text.name_key(name), []).extend(rows.tolist())
    batch = []
    for key, rows in movies.items():
        if not key:
            continue
        rows_arr = np.unique(np.asarray(rows, dtype=np.int64))
        best = rows_arr[np.argsort(-index.prior[rows_arr], kind="stable")][:PRIOR_CANDIDATES]
        batch.append(IndexPerson(build=build, key=key[:255], tmdb_ids=index.tmdb_ids[best].tolist()))
    IndexPerson.objects.bulk_create(batch, batch_size=WRITE_BATCH)


def build_switch(build: RecommendationIndex, *, keep: int) -> None:
    """Make `build` the current one and prune all but the newest `keep` builds, in one transaction."""
    with transaction.atomic():
        RecommendationIndex.objects.filter(current=True).exclude(pk=build.pk).update(current=False)
        RecommendationIndex.objects.filter(pk=build.pk).update(current=True)
        old = RecommendationIndex.objects.exclude(pk=build.pk).values_list("pk", flat=True)[keep - 1 :]
        RecommendationIndex.objects.filter(pk__in=list(old)).delete()
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


@dataclass
class Candidates:
    """The rows a ranking reads, and the index over them. Rows other than the seeds' start with only what
    scoring needs (prior, flags; genres and people when the user saved some): `with_lists` completes the
    few that can be served (their content lists for diversity, their genres and people for the reasons)."""

    build_id: int
    rows: list[MovieRow]
    index: EngineIndex
    complete: set[int]

    def with_lists(self, tmdb_ids: Iterable[int]) -> EngineIndex:
        todo = [int(t) for t in tmdb_ids if int(t) not in self.complete]
        if todo:
            full = {
                v["tmdb_id"]: _movie_row(v) for v in _rows(self.build_id, lists=("content",)).filter(tmdb_id__in=todo)
            }
            self.rows = [full.get(r.tmdb_id, r) for r in self.rows]
            self.complete.update(full)
            self.index = index_from_rows(self.rows, version=self.index.version, meta=self.index.meta)
        return self.index


def whole_index(build: RecommendationIndex) -> EngineIndex:
    """Every row of a build as one EngineIndex: for builds (workers) only, never a request."""
    rows = [_movie_row(v) for v in _rows(build.pk, lists=_LISTS).order_by("tmdb_id").iterator(chunk_size=5_000)]
    return index_from_rows(rows, version=build.version, catalog_version=build.catalog_version, meta=build.meta)


def similar_index(build: RecommendationIndex, tmdb_id: int) -> EngineIndex | None:
    """The movie's row and its content neighbours' rows (flags and priors): two queries. None when unknown."""
    source = _rows(build.pk, lists=("content",)).filter(tmdb_id=tmdb_id).first()
    if source is None:
        return None
    ids = source["content"][0] if source["content"] else []
    others = [_movie_row(v) for v in _rows(build.pk).filter(tmdb_id__in=ids)] if ids else []
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
    seed_rows = [_movie_row(v) for v in _rows(build.pk, lists=_LISTS).filter(tmdb_id__in=seeds)] if seeds else []
    wanted = {int(t) for t in extra}
    for row in seed_rows:
        for name in _LISTS:
            wanted.update(getattr(row, name)[0])
    by_prior = IndexMovie.objects.filter(build_id=build.pk)
    if not adult:
        by_prior = by_prior.filter(adult=False)
    pools = [by_prior]
    genres, people = list(genres), list(people)
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
    fields = ["tmdb_id", "prior", "adult", *(["genres"] if genres else []), *(["people"] if people else [])]
    others = [_movie_row(v) for v in _rows(build.pk, fields=fields).filter(tmdb_id__in=wanted)] if wanted else []
    rows = sorted([*seed_rows, *others], key=lambda r: r.tmdb_id)
    index = index_from_rows(rows, version=build.version, meta=build.meta)
    return Candidates(build.pk, rows, index, {r.tmdb_id for r in seed_rows})


def by_prior(build: RecommendationIndex, *, adult: bool, exclude: set[int], limit: int) -> list[tuple[int, float]]:
    """(tmdb_id, prior) of the best priors, best first, skipping `exclude`: one indexed query."""
    rows = IndexMovie.objects.filter(build_id=build.pk)
    if not adult:
        rows = rows.filter(adult=False)
    if exclude:
        rows = rows.exclude(tmdb_id__in=exclude)
    return list(rows.order_by("-prior", "tmdb_id").values_list("tmdb_id", "prior")[:limit])
