"""Movie and genre endpoints: public, paginated, answered from the cache, the mirror, or TMDb through both.

Mirror lists are cached as ready-to-send JSON bytes (no serializer work on a hit). TMDb-backed lists
(trending, search, recommendations with a key configured) cache TMDb's pages as id lists and serve them
stale, with `X-Cache-Stale: 1`, when TMDb fails.

Cached pages are the same for every caller: a signed-in caller's `user_state` is added to each movie after the
cache, per request (one query a page, users.selectors.movie_states).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from movie_backend.exceptions import ServiceUnavailable
from movies import cache as movie_cache
from movies import discover, filters, graph_selectors, selectors, services
from movies.http_cache import HttpCachePolicy, PublicHttpCache
from movies.regions import default_region, region_code
from movies.schema_examples import MOVIE_DETAIL_EXAMPLE
from movies.serializers import (
    USER_STATE,
    GenreSerializer,
    MovieDetailSerializer,
    MovieSummarySerializer,
    user_state_add,
)
from movies.text import search_key
from movies.tmdb import TmdbError, TmdbNotFound, tmdb_configured
from users.selectors import movie_states

STALE_HEADERS = {"X-Cache-Stale": "1", "Warning": '110 - "Response is Stale"'}

_FALLBACK_DOC = (
    "\n\nWith no TMDb key configured (the offline default), or for a category no sync has filled yet, the "
    "list is an ordering of the mirrored catalog: `popular` and `trending` by popularity, `top_rated` by a "
    "vote-count-weighted rating (a Bayesian average, so a few high votes do not beat thousands), "
    "`now_playing` by release date (released films, newest first) and `upcoming` by release date (future "
    "films, soonest first)."
)
_STALE_DOC = (
    "\n\nWhen TMDb fails, the last good answer is served for up to `CACHE_STALE_MAX_AGE` seconds with the "
    "headers `X-Cache-Stale: 1` and `Warning: 110`; with nothing cached, a 503 envelope with `Retry-After`."
)


GENRE_MAX_CHARS = 64


class MovieListParams(serializers.Serializer):
    category = serializers.ChoiceField(choices=selectors.CATEGORIES, default="popular", required=False)
    genre = serializers.CharField(max_length=GENRE_MAX_CHARS, required=False)


class RegionParams(serializers.Serializer):
    region = serializers.CharField(required=False, help_text="ISO 3166-1 alpha-2, e.g. US, GB, DE.")

    def validate_region(self, value: str) -> str:
        code = region_code(value)
        if code is None:
            raise serializers.ValidationError("Not an ISO 3166-1 alpha-2 region code such as US, GB or DE.")
        return code


REGION_PARAMETER = OpenApiParameter(
    "region",
    {"type": "string", "pattern": "^[A-Za-z]{2}$"},
    description="ISO 3166-1 alpha-2 region (any case). Default `DEFAULT_REGION` (`US`).",
)


class TrendingParams(serializers.Serializer):
    window = serializers.ChoiceField(choices=["day", "week"], default="day", required=False)


class QueryParams(serializers.Serializer):
    q = serializers.CharField(max_length=200, trim_whitespace=True)


QUERY_PARAMETER = OpenApiParameter(
    "q",
    {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
    required=True,
    description="Words to search for (1-200 chars, not only spaces), ignoring case and accents.",
)


class SearchParams(QueryParams):
    year = serializers.IntegerField(min_value=1870, max_value=2100, required=False)


def _params(serializer_class, request) -> dict:
    known = set(serializer_class().fields)
    params = serializer_class(data={k: v for k, v in request.query_params.items() if k in known})
    params.is_valid(raise_exception=True)
    return params.validated_data


# The hot path: plain, valid parameters are read without building a serializer (which costs more than
# serving a cached page). Anything else (absent from this strict subset) goes through the serializers,
# which give the same answer or the 400 envelope.


def _plain_int(value: str | None, *, low: int, high: int) -> int | None:
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 9:
        return None
    number = int(value)
    return number if low <= number <= high else None


def _plain_paging(request) -> dict | None:
    params = request.query_params
    page = _plain_int(params.get("page", "1"), low=1, high=10**9)
    limit = _plain_int(params.get("limit", "20"), low=1, high=100)
    return {"page": page, "limit": limit} if page and limit else None


def _plain_list_params(request) -> dict | None:
    params = request.query_params
    category = params.get("category", "popular")
    if category not in selectors.CATEGORIES:
        return None
    if "genre" not in params:
        return {"category": category}
    genre = params["genre"]
    plain = genre and len(genre) <= GENRE_MAX_CHARS and genre == genre.strip()
    return {"category": category, "genre": genre} if plain else None


def _json(body: bytes, *, stale: bool = False, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json")
    for name, value in {**(STALE_HEADERS if stale else {}), **(headers or {})}.items():
        response[name] = value
    return response


PAGE_PARAMS_DOC = "Paginated: `page` (from 1) and `limit` (1 to 100, default 20)."
# The mirror's own lists (not TMDb's pages): their count stops at MIRROR_COUNT_MAX.
MIRROR_COUNT_DOC = " `count` counts the matches up to 10,000 (`MIRROR_COUNT_MAX`), as TMDb serves 500 pages of 20."


class _MovieApi(PublicHttpCache, GenericAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = MovieSummarySerializer

    def _page_body(self, items) -> dict:
        page = self.paginate_queryset(items)
        return self.get_paginated_response(self.page_results(page)).data

    def page_results(self, page) -> list[dict]:
        """A page of items as the results list (movie summaries here; other lists override it)."""
        return MovieSummarySerializer(page, many=True).data

    @staticmethod
    def page_movies(results: list[dict]) -> list[dict]:
        """The movies among a page's results: each gets a signed-in caller's `user_state`."""
        return results

    def _send(self, body: bytes | dict, *, stale: bool = False) -> HttpResponse:
        """The page as sent to this caller: a signed-in one's `user_state` added to each movie (never cached)."""
        if self.request.user.is_authenticated:
            page = json.loads(body) if isinstance(body, bytes) else body
            movies = self.page_movies(page["results"])
            if movies:
                tmdb_ids = [m["tmdb_id"] for m in movies]
                user_state_add(movies, movie_states(user=self.request.user, tmdb_ids=tmdb_ids))
            body = page
        return _json(body if isinstance(body, bytes) else JSONRenderer().render(body), stale=stale)

    def _cached_mirror_page(self, family: str, parts: tuple, build, *, ttl: int) -> HttpResponse:
        """A page of a mirror list, cached as the bytes to send (keyed by cache generation and caller)."""
        paging = _plain_paging(self.request) or self.paginator.validated_params(self.request)
        version, adult = movie_cache.cache_generation(), int(selectors.sees_adult(self.request.user))
        key = movie_cache.make_key(
            family,
            version,
            *parts,
            paging["page"],
            paging["limit"],
            adult,
            self.request.scheme,
            self.request.get_host(),
        )
        # Every page of a list shares one COUNT (at 100k movies about half of an uncached page's time).
        count_key = movie_cache.make_key(f"{family}-count", version, *parts, adult)

        def render() -> bytes:
            items = movie_cache.CachedCount(build(), key=count_key, ttl=ttl)
            return JSONRenderer().render(self._page_body(items))

        result = movie_cache.read_through(key, render, family=family, ttl=ttl, local=True)
        return self._send(result.value)

    def _tmdb_page(self, results: services.TmdbResults) -> HttpResponse:
        return self._send(self._page_body(results), stale=results.stale)


class MovieListApi(_MovieApi):
    http_cache = HttpCachePolicy("CACHE_TTL_LISTS", params=("category", "genre"))

    @extend_schema(
        tags=["movies"],
        operation_id="movies_list",
        summary="Mirrored movie lists",
        description=(
            "A category of the mirrored catalog (default `popular`), optionally one genre. Answered from the "
            "database (the lists `sync_tmdb` mirrors, rank by rank), cached as ready-to-send pages. "
            + PAGE_PARAMS_DOC
            + MIRROR_COUNT_DOC
            + _FALLBACK_DOC
        ),
        parameters=[
            OpenApiParameter(
                "category", OpenApiTypes.STR, enum=list(selectors.CATEGORIES), description="Default `popular`."
            ),
            OpenApiParameter(
                "genre",
                {"type": "string", "minLength": 1, "maxLength": GENRE_MAX_CHARS},
                description=(
                    "A genre: its TMDb id (`878`) or its name, ignoring case and accents (`science fiction`), "
                    "as in `/api/genres/`. An unknown genre is a 400 envelope naming `genre`."
                ),
                examples=[OpenApiExample("by id", value="878"), OpenApiExample("by name", value="science fiction")],
            ),
        ],
        responses=MovieSummarySerializer(many=True),
    )
    def get(self, request):
        params = _plain_list_params(request) or _params(MovieListParams, request)
        category, genre = params.get("category") or "popular", params.get("genre")

        def build():
            return selectors.movie_list(user=request.user, category=category, genre=_genre_id(genre))

        return self._cached_mirror_page(
            "lists", (category, search_key(genre) if genre else ""), build, ttl=settings.CACHE_TTL_LISTS
        )


def _genre_id(genre: str | None) -> int | None:
    if genre is None:
        return None
    found = selectors.genre_resolve(genre)
    if found is None:
        raise serializers.ValidationError({"genre": [f"No genre with id or name {genre!r} (see /api/genres/)."]})
    return found.tmdb_id


class MovieTrendingApi(_MovieApi):
    http_cache = HttpCachePolicy("CACHE_TTL_LISTS", params=("window",))

    @extend_schema(
        tags=["movies"],
        operation_id="movies_trending",
        summary="Trending movies",
        description=(
            "TMDb's trending movies of the day or the week, read through the cache. Without a TMDb key: the "
            "mirrored trending list of that window, else the mirror by popularity. " + PAGE_PARAMS_DOC + _STALE_DOC
        ),
        parameters=[OpenApiParameter("window", OpenApiTypes.STR, enum=["day", "week"], description="Default `day`.")],
        responses=MovieSummarySerializer(many=True),
    )
    def get(self, request):
        window = _params(TrendingParams, request).get("window") or "day"
        if not tmdb_configured():
            return self._cached_mirror_page(
                "trending",
                (window,),
                lambda: selectors.movie_list_trending(user=request.user, window=window),
                ttl=settings.CACHE_TTL_LISTS,
            )
        visible = selectors.movies_visible_to(user=request.user)
        try:
            return self._tmdb_page(services.movies_trending_tmdb(window=window, visible=visible))
        except (ServiceUnavailable, TmdbError) as exc:
            # TMDb is down and this page is not cached: a synced trending list is the next best answer.
            if selectors.synced_list_for("trending") is None:
                raise _unavailable(exc) from None
            return self._send(
                self._page_body(selectors.movie_list_trending(user=request.user, window=window)), stale=True
            )


class MovieSearchApi(_MovieApi):
    http_cache = HttpCachePolicy("CACHE_TTL_SEARCH", params=("q", "year"))

    @extend_schema(
        tags=["movies"],
        operation_id="movies_search",
        summary="Search movies by title",
        description=(
            "TMDb's search when a key is configured and TMDb answers (results are mirrored as they come); "
            "otherwise the mirror, ignoring case and accents (`amelie` finds Amélie): every word of `q` in the "
            "title or original title (a query of only one- or two-letter words: titles starting with it); an "
            "exact title first, then titles starting with `q`, then the rest, most popular first. The header "
            "`X-Search-Source` says which answered (`tmdb` or `mirror`). " + PAGE_PARAMS_DOC
        ),
        parameters=[
            OpenApiParameter(
                "q",
                {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
                required=True,
                description="Words of the title (1-200 chars, not only spaces).",
            ),
            OpenApiParameter(
                "year", {"type": "integer", "minimum": 1870, "maximum": 2100}, description="Release year."
            ),
        ],
        responses=MovieSummarySerializer(many=True),
    )
    def get(self, request):
        params = _params(SearchParams, request)
        query, year = params["q"], params.get("year")
        if tmdb_configured():
            visible = selectors.movies_visible_to(user=request.user)
            try:
                response = self._tmdb_page(services.movies_search_tmdb(query=query, year=year, visible=visible))
                response["X-Search-Source"] = "tmdb"
                return response
            except (ServiceUnavailable, TmdbError):
                pass  # the mirror answers instead, and says so in X-Search-Source
        response = self._cached_mirror_page(
            "search",
            (search_key(query), year or ""),
            lambda: selectors.movie_search(user=request.user, query=query, year=year),
            ttl=settings.CACHE_TTL_SEARCH,
        )
        response["X-Search-Source"] = "mirror"
        return response


_DISCOVER_DOC = (
    "The mirrored catalog filtered and sorted with TMDb's own `/discover/movie` parameters; answered from the "
    "database only (TMDb is never called). In a list value a comma means AND and a pipe means OR, as on TMDb: "
    "`with_genres=28,12` is Action and Adventure, `with_genres=28|12` Action or Adventure, `28,12|16` Action and "
    "(Adventure or Animation); the `without_` lists leave out any of their values. Examples: "
    "`?with_genres=878&primary_release_date.gte=1990-01-01&sort_by=vote_average.desc`, "
    "`?with_crew=525&with_cast=6193` (Nolan directing DiCaprio), `?with_keywords=heist|9882`, "
    "`?with_watch_providers=8|337&watch_region=GB`. A parameter not listed is ignored; a value a parameter "
    "cannot take is a 400 envelope naming it. Pages are cached like the movie lists (`CACHE_TTL_LISTS`; a sync "
    "retires them), every page of one query sharing one count. " + PAGE_PARAMS_DOC + MIRROR_COUNT_DOC
)


class MovieDiscoverApi(_MovieApi):
    http_cache = HttpCachePolicy("CACHE_TTL_LISTS", params=filters.DISCOVER_PARAMS)

    @extend_schema(
        tags=["movies"],
        operation_id="movies_discover",
        summary="Discover movies (filters and sorting over the mirror)",
        description=_DISCOVER_DOC,
        parameters=filters.schema_parameters(filters.DISCOVER_PARAMS),
        responses={
            200: MovieSummarySerializer(many=True),
            400: OpenApiResponse(description="A parameter's value is invalid; `errors` names it."),
        },
    )
    def get(self, request):
        params = filters.parse(request.query_params, filters.DISCOVER_PARAMS)
        return self._cached_mirror_page(
            "discover",
            (filters.cache_part(params),),
            lambda: discover.movie_discover(user=request.user, params=params),
            ttl=settings.CACHE_TTL_LISTS,
        )


class MovieDetailApi(_MovieApi):
    serializer_class = MovieDetailSerializer
    pagination_class = None
    http_cache = HttpCachePolicy("CACHE_TTL_DETAILS")

    @extend_schema(
        tags=["movies"],
        operation_id="movies_retrieve",
        summary="Movie details",
        description=(
            "Genres, runtime, director, top cast, keywords and image URLs, and the graph around the movie: "
            "`credits` (every cast member in billing order and the crew, each with a `person_id` for "
            "`/api/people/<id>/`), `collection` (for `/api/collections/<id>/`), `keyword_list`, `videos` "
            "(official trailers first, with a watch `url` on YouTube and Vimeo) and `watch_providers` in "
            "`?region=` (default `DEFAULT_REGION`). From the mirror when its details are fresh (or with no TMDb "
            "key); otherwise fetched through from TMDb in one call and stored. When TMDb fails, the mirrored copy "
            "is served with `X-Cache-Stale: 1`; a movie neither mirrored nor reachable is a 503 with "
            "`Retry-After`; one TMDb does not know, a 404."
        ),
        parameters=[REGION_PARAMETER],
        responses={
            200: MovieDetailSerializer,
            400: OpenApiResponse(description="A bad `region`."),
            404: OpenApiResponse(description="Unknown movie."),
        },
        examples=[MOVIE_DETAIL_EXAMPLE],
    )
    def get(self, request, tmdb_id: int):
        region = _params(RegionParams, request).get("region") or default_region()
        movie, stale = services.movie_details_get(tmdb_id=tmdb_id)
        if movie.adult and not selectors.sees_adult(request.user):
            raise services.MovieNotFound()
        movie = graph_selectors.movie_graph_prefetch(movie, region=region)
        states = movie_states(user=request.user, tmdb_ids=[movie.tmdb_id])
        response = Response(MovieDetailSerializer(movie, context={USER_STATE: states}).data)
        if stale:
            for name, value in STALE_HEADERS.items():
                response[name] = value
        return response


class MovieRecommendationsApi(_MovieApi):
    http_cache = HttpCachePolicy("CACHE_TTL_DETAILS")

    @extend_schema(
        tags=["movies"],
        operation_id="movies_recommendations",
        summary="TMDb's recommendations for a movie",
        description=(
            "TMDb's own recommendations, read through the cache (the movies are mirrored as they come). "
            "Without a TMDb key: mirrored movies sharing the most genres with it, most popular first. "
            + PAGE_PARAMS_DOC
            + _STALE_DOC
        ),
        responses=MovieSummarySerializer(many=True),
    )
    def get(self, request, tmdb_id: int):
        visible = selectors.movies_visible_to(user=request.user)
        if not tmdb_configured():
            movie = selectors.movie_detail(user=request.user, tmdb_id=tmdb_id)
            if movie is None:
                raise services.MovieNotFound()
            return self._cached_mirror_page(
                "recommendations",
                (tmdb_id,),
                lambda: selectors.movie_recommendations_from_mirror(user=request.user, movie=movie),
                ttl=settings.CACHE_TTL_DETAILS,
            )
        if (
            not selectors.sees_adult(request.user)
            and visible.model.objects.filter(tmdb_id=tmdb_id, adult=True).exists()
        ):
            raise services.MovieNotFound()
        try:
            return self._tmdb_page(services.movie_recommendations_tmdb(tmdb_id=tmdb_id, visible=visible))
        except TmdbNotFound:
            raise services.MovieNotFound() from None
        except TmdbError as exc:
            raise _unavailable(exc) from None


class GenreListApi(PublicHttpCache, GenericAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = GenreSerializer
    http_cache = HttpCachePolicy("CACHE_TTL_LISTS")

    @extend_schema(
        tags=["genres"],
        operation_id="genres_list",
        summary="Genres",
        description="TMDb's movie genres as mirrored, by name. Use an `id` (or the name) as `genre=` on "
        "`/api/movies/`. " + PAGE_PARAMS_DOC,
        responses=GenreSerializer(many=True),
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.genre_list())
        return self.get_paginated_response(GenreSerializer(page, many=True).data)


def _unavailable(exc: Exception) -> ServiceUnavailable:
    if isinstance(exc, ServiceUnavailable):
        return exc
    retry_after = int(getattr(exc, "retry_after", None) or 30)
    return ServiceUnavailable(
        "TMDb is unavailable and nothing cached can answer. Try again later.", retry_after=retry_after
    )


_bare_bodies: dict[str, bytes] = {}


def bench_bare_view(request, name: str = ""):
    """Only for the benchmarks (bench/bench_movies.py, bench/bench_warm.py), routed only when
    BENCH_BARE_VIEW_BODY names a file: a plain Django view sending fixed bytes (those of a cached page), the
    ceiling the cached endpoints are compared to. `bench/bare/<name>/` sends the sibling file `<file>.<name>`."""
    body = _bare_bodies.get(name)
    if body is None:
        path = f"{settings.BENCH_BARE_VIEW_BODY}.{name}" if name else settings.BENCH_BARE_VIEW_BODY
        with open(path, "rb") as f:
            body = _bare_bodies[name] = f.read()
    return HttpResponse(body, content_type="application/json")
