"""Reads of the movie graph, shaped for the API: a fixed handful of queries per page, whatever its size."""

from __future__ import annotations

from django.db.models import F, Min, Prefetch, QuerySet, prefetch_related_objects

from movies.models import (
    Collection,
    Credit,
    Movie,
    MovieAvailability,
    MovieKeyword,
    MovieWatchRegion,
    Person,
    WatchProvider,
)
from movies.selectors import movies_visible_to

_NEWEST_FIRST = (F("movie__release_date").desc(nulls_last=True), "movie__tmdb_id", "kind", "order")


def movie_graph_prefetch(movie: Movie, *, region: str) -> Movie:
    """Everything the details page shows around `movie`, in six queries: genres, the collection, credits with
    their people, keywords, and the watch availability and link of `region` (as `region_availability`,
    `region_links`)."""
    prefetch_related_objects(
        [movie],
        "genres",
        "collection",
        Prefetch("credits", queryset=Credit.objects.select_related("person").order_by("kind", "order", "pk")),
        Prefetch("keyword_links", queryset=MovieKeyword.objects.select_related("keyword").order_by("order", "pk")),
        Prefetch(
            "availability",
            queryset=MovieAvailability.objects.filter(region=region)
            .select_related("provider")
            .order_by("display_priority", "provider__name", "provider__tmdb_id"),
            to_attr="region_availability",
        ),
        Prefetch("watch_regions", queryset=MovieWatchRegion.objects.filter(region=region), to_attr="region_links"),
    )
    movie.watch_region = region
    return movie


def person_movie_credits(*, person: Person, user) -> list[Credit]:
    """The person's credits on movies the caller may see, newest movie first (undated ones last), each with
    its movie and the movie's genres: two queries."""
    return list(
        Credit.objects.filter(person=person, movie__in=movies_visible_to(user=user))
        .select_related("movie")
        .prefetch_related("movie__genres")
        .order_by(*_NEWEST_FIRST)
    )


def collection_parts(*, collection: Collection, user) -> QuerySet[Movie]:
    """The collection's mirrored movies the caller may see, in release order (undated ones last)."""
    return (
        movies_visible_to(user=user)
        .filter(collection=collection)
        .order_by(F("release_date").asc(nulls_last=True), "tmdb_id")
        .prefetch_related("genres")
    )


def watch_providers_in(*, region: str) -> QuerySet[WatchProvider]:
    """Providers with any mirrored movie in `region`, by their best display priority there, then name."""
    return (
        WatchProvider.objects.filter(availability__region=region)
        .annotate(priority=Min("availability__display_priority"))
        .order_by("priority", "name", "tmdb_id")
    )
