"""The graph's own pages: a person with their movie credits, a collection with its parts, the watch providers
of a region. Public, answered from the mirror, fetched through from TMDb like movie details."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import permissions
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from movies import graph_selectors, graph_services
from movies.api import (
    PAGE_PARAMS_DOC,
    QUERY_PARAMETER,
    REGION_PARAMETER,
    STALE_HEADERS,
    QueryParams,
    RegionParams,
    _MovieApi,
    _params,
)
from movies.http_cache import HttpCachePolicy, PublicHttpCache
from movies.regions import default_region
from movies.schema_examples import (
    COLLECTION_EXAMPLE,
    PEOPLE_SEARCH_EXAMPLE,
    PERSON_EXAMPLE,
    SEARCH_EXAMPLE,
    WATCH_PROVIDERS_EXAMPLE,
)
from movies.serializers import (
    PERSON_ID_HELP,
    SEARCH_RESULT_SERIALIZERS,
    CollectionSerializer,
    PersonSerializer,
    PersonSummarySerializer,
    WatchProviderSerializer,
)
from movies.text import search_key

_FETCH_DOC = (
    " From the mirror when its copy is fresh (or with no TMDb key); otherwise fetched through from TMDb in "
    "one call and stored, read through the cache like movie details (one call for many concurrent readers, "
    "the shared rate limit and circuit breaker). When TMDb fails, the mirrored copy is served with "
    "`X-Cache-Stale: 1`; one neither mirrored nor reachable is a 503 with `Retry-After`."
)


def _with_stale_headers(response: Response, stale: bool) -> Response:
    if stale:
        for name, value in STALE_HEADERS.items():
            response[name] = value
    return response


class PersonDetailApi(PublicHttpCache, GenericAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = PersonSerializer
    pagination_class = None
    http_cache = HttpCachePolicy("CACHE_TTL_DETAILS")

    @extend_schema(
        tags=["people"],
        operation_id="people_retrieve",
        summary="A person and their movie credits",
        description=(
            "Name, picture, biography and every movie credit the mirror knows (cast with `character` and "
            "`order`, crew with `job` and `department`), newest first, movies without a date last. TMDb people "
            "come with their biography, birthday and complete credits (`/person/{id}?append_to_response="
            "movie_credits`); a person the bundled catalog knows by name only has a local id (see `id`) and the "
            "catalog's credits." + _FETCH_DOC
        ),
        parameters=[OpenApiParameter("person_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=PERSON_ID_HELP)],
        responses={
            200: PersonSerializer,
            301: OpenApiResponse(description="A local id TMDb has taken over: `Location` is the TMDb id's page."),
            404: OpenApiResponse(description="Unknown person."),
        },
        examples=[PERSON_EXAMPLE],
    )
    def get(self, request, person_id: int):
        person, stale = graph_services.person_get(person_id=person_id)
        if person.public_id != person_id:
            location = reverse("person-detail", kwargs={"person_id": person.public_id})
            query = request.META.get("QUERY_STRING")
            return HttpResponsePermanentRedirect(f"{location}?{query}" if query else location)
        person.movie_credit_rows = graph_selectors.person_movie_credits(person=person, user=request.user)
        return _with_stale_headers(Response(PersonSerializer(person).data), stale)


class CollectionDetailApi(PublicHttpCache, GenericAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = CollectionSerializer
    pagination_class = None
    http_cache = HttpCachePolicy("CACHE_TTL_DETAILS")

    @extend_schema(
        tags=["collections"],
        operation_id="collections_retrieve",
        summary="A collection (franchise) and its movies",
        description=(
            "TMDb's collection (a movie's `collection` in its details) with its parts as movie summaries in "
            "release order, movies without a date last (`/collection/{id}` fetches the parts not mirrored yet)."
            + _FETCH_DOC
        ),
        parameters=[OpenApiParameter("collection_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="TMDb id.")],
        responses={200: CollectionSerializer, 404: OpenApiResponse(description="Unknown collection.")},
        examples=[COLLECTION_EXAMPLE],
    )
    def get(self, request, collection_id: int):
        collection, stale = graph_services.collection_get(collection_id=collection_id)
        collection.part_rows = graph_selectors.collection_parts(collection=collection, user=request.user)
        return _with_stale_headers(Response(CollectionSerializer(collection).data), stale)


class WatchProviderListApi(PublicHttpCache, GenericAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = WatchProviderSerializer
    http_cache = HttpCachePolicy("CACHE_TTL_LISTS", params=("region",))

    @extend_schema(
        tags=["watch providers"],
        operation_id="watch_providers_list",
        summary="Watch providers of a region",
        description=(
            "The streaming, rental and retail services the mirror has seen offering any movie in `region` "
            "(default `DEFAULT_REGION`), by TMDb's display priority there, then name. Use an id with a movie's "
            "`watch_providers`, and later with discover's `with_watch_providers` + `watch_region`. Answered "
            "from the mirror only. " + PAGE_PARAMS_DOC
        ),
        parameters=[REGION_PARAMETER],
        responses={200: WatchProviderSerializer(many=True), 400: OpenApiResponse(description="A bad `region`.")},
        examples=[WATCH_PROVIDERS_EXAMPLE],
    )
    def get(self, request):
        region = _params(RegionParams, request).get("region") or default_region()
        page = self.paginate_queryset(graph_selectors.watch_providers_in(region=region))
        return self.get_paginated_response(WatchProviderSerializer(page, many=True).data)


_SEARCH_RANK_DOC = (
    "Ignoring case and accents (`amelie` finds Amélie, `zizek` Žižek): every word of `q` in the name (a query "
    "of only one- or two-letter words: names starting with it); the exact name first, then names starting with "
    "`q`, then the rest, most popular first. Answered from the mirror (people and collections are mirrored as "
    "movies are synced and as their pages are fetched through), cached like the movie lists. "
)


class PeopleSearchApi(_MovieApi):
    serializer_class = PersonSummarySerializer
    http_cache = HttpCachePolicy("CACHE_TTL_SEARCH", params=("q",))

    @extend_schema(
        tags=["people"],
        operation_id="people_search",
        summary="Search people by name",
        description=_SEARCH_RANK_DOC + "Ties by name, then id. " + PAGE_PARAMS_DOC,
        parameters=[QUERY_PARAMETER],
        responses={200: PersonSummarySerializer(many=True), 400: OpenApiResponse(description="A missing `q`.")},
        examples=[PEOPLE_SEARCH_EXAMPLE],
    )
    def get(self, request):
        query = _params(QueryParams, request)["q"]
        return self._cached_mirror_page(
            "people-search",
            (search_key(query),),
            lambda: graph_selectors.people_search(user=request.user, query=query),
            ttl=settings.CACHE_TTL_SEARCH,
        )

    def page_results(self, page) -> list[dict]:
        return PersonSummarySerializer(page, many=True).data

    @staticmethod
    def page_movies(results: list[dict]) -> list[dict]:
        return []


class SearchApi(_MovieApi):
    http_cache = HttpCachePolicy("CACHE_TTL_SEARCH", params=("q",))

    @extend_schema(
        tags=["search"],
        operation_id="search_all",
        summary="Search movies, people and collections at once",
        description=(
            "One list of movies (by title or original title), people and collections (by name), each result with "
            "`media_type` (`movie`, `person` or `collection`) and the fields of its kind: a movie summary, a "
            "person as in `/api/people/search/`, a collection with its pictures (`/api/collections/<id>/` has "
            "its parts). " + _SEARCH_RANK_DOC + "Exact matches of every kind come before prefixes, prefixes "
            "before the rest; a collection's popularity is its most popular mirrored part's; ties by "
            "`media_type`, then row. Signed-in callers get `user_state` on movies. " + PAGE_PARAMS_DOC
        ),
        parameters=[QUERY_PARAMETER],
        responses={
            200: PolymorphicProxySerializer(
                component_name="SearchResult",
                serializers=SEARCH_RESULT_SERIALIZERS,  # keyed by the `media_type` value each answers
                resource_type_field_name="media_type",
                many=True,
            ),
            400: OpenApiResponse(description="A missing `q`."),
        },
        examples=[SEARCH_EXAMPLE],
    )
    def get(self, request):
        query = _params(QueryParams, request)["q"]
        return self._cached_mirror_page(
            "search-all",
            (search_key(query),),
            lambda: graph_selectors.search_all(user=request.user, query=query),
            ttl=settings.CACHE_TTL_SEARCH,
        )

    def page_results(self, page) -> list[dict]:
        return [
            SEARCH_RESULT_SERIALIZERS[item.media_type](item).data for item in graph_selectors.search_results(list(page))
        ]

    @staticmethod
    def page_movies(results: list[dict]) -> list[dict]:
        return [item for item in results if item["media_type"] == "movie"]
