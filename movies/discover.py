"""Discover over the mirror: the movies matching TMDb's discover parameters (read by movies/filters.py).

One SQL query whatever the filters: every list filter is an EXISTS over the rows around a movie (genre links,
credits, keyword links, availability), one per comma group, the values of a pipe group in one `IN`; ids are
turned into row ids by subqueries, never by queries of their own. The indexes behind them: person -> movies
(credit_person_idx), keyword -> movies (moviekeyword_keyword_idx), provider + region -> movies
(availability_provider_idx), genre -> movies (movie_genres_genre_movie_idx), and one per sort order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value

from movies import filters
from movies.models import Credit, Genre, Keyword, Movie, MovieAvailability, MovieKeyword, Person, WatchProvider
from movies.selectors import movies_visible_to, sees_adult

MovieGenre = Movie.genres.through


def movie_discover(*, user, params: Mapping[str, Any]) -> QuerySet[Movie]:
    """The visible movies matching `params` (parsed by `filters.parse`), sorted by `sort_by`, genres prefetched."""
    queryset = movies_visible_to(user=user)  # no adult titles unless the caller is an adult
    if sees_adult(user) and not params.get("include_adult"):
        queryset = queryset.filter(adult=False)
    queryset = movies_filter(queryset, params)
    return queryset.order_by(*_ordering(params.get("sort_by", filters.DEFAULT_SORT))).prefetch_related("genres")


def movies_filter(queryset: QuerySet[Movie], params: Mapping[str, Any]) -> QuerySet[Movie]:
    """`queryset` narrowed by every filter in `params` (sorting and adult titles are the caller's)."""
    queryset = queryset.filter(_field_filters(params))
    params = {**params, _SMALL_TABLE_PKS: _small_table_pks(params)}
    for name, rows in _ROW_FILTERS.items():
        terms = params.get(name)
        if terms is None:
            continue
        if name.startswith("without_"):
            queryset = queryset.exclude(Exists(rows(terms.values, params)))
        else:
            for group in terms.groups:
                queryset = queryset.filter(Exists(rows(group, params)))
    return queryset


# Genre and provider ids are TMDb's; their row ids are read first, in one query over the two small tables, so
# the planner sees literal row ids (with a subquery in their place it guessed the genre links' selectivity
# badly and scanned them all, and joined the provider table once per availability row: 45 and 40 ms of a
# 160 ms count at 100k movies).
_SMALL_TABLE_PKS = "_small_table_pks"
_SMALL_TABLES = {"with_genres": "genre", "without_genres": "genre", "with_watch_providers": "provider"}


def _small_table_pks(params: Mapping[str, Any]) -> dict[tuple[str, int], int]:
    wanted: dict[str, set[int]] = {"genre": set(), "provider": set()}
    for name, table in _SMALL_TABLES.items():
        if params.get(name) is not None:
            wanted[table].update(params[name].values)
    parts = [
        model.objects.filter(tmdb_id__in=ids)
        .annotate(t=Value(table, output_field=CharField()))
        .order_by()
        .values_list("t", "tmdb_id", "pk")
        for table, model in (("genre", Genre), ("provider", WatchProvider))
        if (ids := wanted[table])
    ]
    if not parts:
        return {}
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return {(table, tmdb_id): pk for table, tmdb_id, pk in rows}


def _pks(params: Mapping[str, Any], table: str, values) -> list[int]:
    known = params[_SMALL_TABLE_PKS]
    return [known[(table, v)] for v in values if (table, v) in known]


def _field_filters(params: Mapping[str, Any]) -> Q:
    lookups = {
        "with_original_language": "original_language",
        "primary_release_year": "release_date__year",
        "primary_release_date.gte": "release_date__gte",
        "primary_release_date.lte": "release_date__lte",
        "vote_average.gte": "vote_average__gte",
        "vote_average.lte": "vote_average__lte",
        "vote_count.gte": "vote_count__gte",
        "with_runtime.gte": "runtime__gte",
        "with_runtime.lte": "runtime__lte",
    }
    return Q(**{lookup: params[name] for name, lookup in lookups.items() if name in params})


def _genre_rows(values, params) -> QuerySet:
    return MovieGenre.objects.filter(movie_id=OuterRef("pk"), genre_id__in=_pks(params, "genre", values))


def _people(values) -> QuerySet:
    return Person.objects.filter(Q(tmdb_id__in=values) | Q(local_id__in=values)).values("pk")


def _credit_rows(kind: str | None):
    def rows(values, params) -> QuerySet:
        credits = Credit.objects.filter(movie_id=OuterRef("pk"), person_id__in=_people(values))
        return credits.filter(kind=kind) if kind else credits

    return rows


def _keyword_rows(values, params) -> QuerySet:
    ids = [v for v in values if isinstance(v, int)]
    match = Q(tmdb_id__in=ids) | Q(local_id__in=ids) if ids else Q(pk__in=[])
    for name in (v for v in values if isinstance(v, str)):
        match |= Q(name__iexact=name)
    return MovieKeyword.objects.filter(
        movie_id=OuterRef("pk"), keyword_id__in=Keyword.objects.filter(match).values("pk")
    )


def _availability_rows(values, params) -> QuerySet:
    return MovieAvailability.objects.filter(
        movie_id=OuterRef("pk"),
        region=params.get("watch_region") or settings.DEFAULT_REGION,
        provider_id__in=_pks(params, "provider", values),
    )


_ROW_FILTERS = {
    "with_genres": _genre_rows,
    "without_genres": _genre_rows,
    "with_people": _credit_rows(None),
    "with_cast": _credit_rows(Credit.Kind.CAST),
    "with_crew": _credit_rows(Credit.Kind.CREW),
    "with_keywords": _keyword_rows,
    "without_keywords": _keyword_rows,
    "with_watch_providers": _availability_rows,
}


def _ordering(sort_by: str) -> list:
    """The sort column (movies without a value last), then tmdb_id. Only nullable columns say NULLS LAST, so
    the others keep matching their plain indexes."""
    name, way = sort_by.rsplit(".", 1)
    column = filters.SORT_FIELDS[name]
    nulls = {"nulls_last": True} if column in _NULLABLE else {}
    field = F(column)
    return [field.desc(**nulls) if way == "desc" else field.asc(**nulls), "tmdb_id"]


_NULLABLE = {"release_date", "revenue"}
