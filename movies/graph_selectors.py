"""Reads of the movie graph, shaped for the API: a fixed handful of queries per page, whatever its size."""

from __future__ import annotations

from django.db.models import (
    CharField,
    F,
    FloatField,
    Min,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

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
from movies.selectors import movies_matching_title, movies_visible_to, sees_adult, text_matches

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


# --- Search ----------------------------------------------------------------------------------------


def people_visible_to(*, user) -> QuerySet[Person]:
    """Everyone the caller may see: people TMDb marks adult only for users shown to be 18 or over."""
    queryset = Person.objects.all()
    return queryset if sees_adult(user) else queryset.filter(adult=False)


def _people_matching(*, user, query: str) -> QuerySet[Person] | None:
    return text_matches(
        people_visible_to(user=user),
        query=query,
        exact_field="name_normalized",
        words_field="name_normalized",
        word_prefix=True,
    )


def _collections_matching(query: str) -> QuerySet[Collection] | None:
    """Matching collections with `popularity`: their most popular mirrored part's (a collection has none of
    its own on TMDb)."""
    queryset = text_matches(
        Collection.objects.all(),
        query=query,
        exact_field="name_normalized",
        words_field="name_normalized",
        word_prefix=True,
    )
    if queryset is None:
        return None
    best_part = Movie.objects.filter(collection=OuterRef("pk")).order_by("-popularity").values("popularity")[:1]
    return queryset.alias(popularity=Coalesce(Subquery(best_part), Value(0.0), output_field=FloatField()))


def people_search(*, user, query: str) -> QuerySet[Person]:
    """People by name, ignoring case and accents: the exact name first, then names starting with the query,
    then the rest; most popular first within each (ties by name, then id)."""
    queryset = _people_matching(user=user, query=query)
    if queryset is None:
        return Person.objects.none()
    return queryset.order_by("match", "-popularity", "name_normalized", "pk")


# The combined search's row: (media_type, row pk, match, popularity), ordered across the three kinds.
SEARCH_ORDER = ("s_match", "-s_popularity", "s_type", "s_pk")


def _search_rows(queryset: QuerySet, media_type: str) -> QuerySet:
    return (
        queryset.annotate(
            s_type=Value(media_type, output_field=CharField()),
            s_pk=F("pk"),
            s_match=F("match"),
            s_popularity=Coalesce(F("popularity"), Value(0.0), output_field=FloatField()),
        )
        .order_by()
        .values_list("s_type", "s_pk", "s_match", "s_popularity")
    )


def search_all(*, user, query: str) -> QuerySet:
    """Movies, people and collections matching `query` as one ordered list of `(media_type, pk, match,
    popularity)` rows: one UNION ALL, so a page is one query and the count another, whatever the mix. Exact
    matches of any kind first, then prefixes, then the rest, most popular first within each."""
    movies = movies_matching_title(user=user, query=query)
    if movies is None:
        return Movie.objects.none().values_list("pk")
    parts = [
        _search_rows(movies, "movie"),
        _search_rows(_people_matching(user=user, query=query), "person"),
        _search_rows(_collections_matching(query), "collection"),
    ]
    return parts[0].union(*parts[1:], all=True).order_by(*SEARCH_ORDER)


def search_results(rows: list[tuple]) -> list[Movie | Person | Collection]:
    """The objects behind a page of `search_all` rows, in the rows' order, each with `media_type`; a query
    per kind present (movies with their genres)."""
    wanted: dict[str, list[int]] = {"movie": [], "person": [], "collection": []}
    for media_type, pk, *_ in rows:
        wanted[media_type].append(pk)
    loaded: dict[tuple[str, int], object] = {}
    sources = {
        "movie": Movie.objects.prefetch_related("genres"),
        "person": Person.objects.all(),
        "collection": Collection.objects.all(),
    }
    for media_type, pks in wanted.items():
        if pks:
            for obj in sources[media_type].filter(pk__in=pks):
                obj.media_type = media_type
                loaded[(media_type, obj.pk)] = obj
    return [loaded[(media_type, pk)] for media_type, pk, *_ in rows if (media_type, pk) in loaded]
