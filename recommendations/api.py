"""Recommendation endpoints: similar movies, genre picks and the caller's personalized list."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers

from movie_backend.pagination import RecommendationPagination
from movies import filters
from movies.http_cache import HttpCachePolicy, PublicHttpCache
from movies.models import Movie
from movies.serializers import USER_STATE, MovieSummarySerializer
from recommendations import experiments, selectors, services
from recommendations.models import RecommendationLog
from users.selectors import movie_states


class RecommendedMovieSerializer(MovieSummarySerializer):
    score = serializers.FloatField(read_only=True, help_text="Relevance, higher is better (comparable within a list).")
    reason = serializers.CharField(read_only=True, help_text="Why this movie, in words a person can read.")

    class Meta(MovieSummarySerializer.Meta):
        fields = [*MovieSummarySerializer.Meta.fields, "score", "reason"]


class GenrePickSerializer(RecommendedMovieSerializer):
    reason = serializers.SerializerMethodField(help_text="Why this movie, in words a person can read.")

    def get_reason(self, movie: Movie) -> str:
        return services.genre_reason(movie)


_REQUEST_ID = OpenApiParameter(
    experiments.REQUEST_ID_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=True,
    description="Id of the list served (the caller's own X-Request-Id when given); recorded with the impression.",
)


class _RecommendationListApi(generics.ListAPIView):
    serializer_class = RecommendedMovieSerializer
    pagination_class = RecommendationPagination
    queryset = Movie.objects.none()  # lists come from the services; this only names the model for the schema

    # The caller's state of the movies served (None for anonymous callers): set by `_page`, else by `_serve`.
    states: dict[int, dict] | None = None

    def _page(self, items: list[services.Recommendation], *, seen_last: bool = False):
        """Drop the movies hidden for the caller (and with `seen_last` move the ones they have seen to the end),
        paginate the ranked ids, then load only the page's movies (one query + genres). The caller's state of
        the whole ranked list (at most a list's length) is one query, which both finds the hidden movies and
        is the page's `user_state`."""
        self.states = movie_states(user=self.request.user, tmdb_ids=[r.tmdb_id for r in items])
        if self.states is not None:
            items = [r for r in items if not selectors.hides(self.states[r.tmdb_id])]
            if seen_last:  # a stable sort: unseen first, each part in its ranked order
                items = sorted(items, key=lambda r: selectors.seen_in(self.states[r.tmdb_id]))
        page = self.paginate_queryset(items)
        movies = selectors.movies_in_order(user=self.request.user, tmdb_ids=[r.tmdb_id for r in page])
        return services.attach(movies, page)

    def _serve(self, movies, *, request_id: str, assignment=None, **log):
        """Log the page served (one insert: the impression), then answer it with the request id header."""
        services.recommendation_log(
            user=self.request.user, movie_ids=[m.tmdb_id for m in movies], request_id=request_id, **log
        )
        if self.states is None:
            self.states = movie_states(user=self.request.user, tmdb_ids=[m.tmdb_id for m in movies])
        context = {**self.get_serializer_context(), USER_STATE: self.states}
        served = {"algorithm": log["algorithm"]}
        if assignment is not None:
            served.update(experiment=assignment.experiment, variant=assignment.variant.name)
        self.paginator.served_by = served
        response = self.get_paginated_response(self.get_serializer(movies, many=True, context=context).data)
        return experiments.tag_response(response, request_id=request_id, assignment=assignment)


@extend_schema(
    tags=["recommendations"],
    summary="Similar movies (content-based)",
    description=(
        "Movies like this one by title, overview, genres, keywords, director and cast (TF-IDF, field-weighted), "
        "nudged by popularity and rating. Never the movie itself, nor one the signed-in caller marked "
        "`not_interested`. Each item has a `score` and a `reason` "
        '(e.g. "same director Christopher Nolan; shares Science Fiction, Thriller; keywords dream, heist").'
    ),
    parameters=[
        OpenApiParameter("tmdb_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="TMDb movie id."),
        _REQUEST_ID,
    ],
)
class SimilarMoviesApi(PublicHttpCache, _RecommendationListApi):
    permission_classes = [permissions.AllowAny]
    # ETag, Cache-Control and 304s, but never answered before the view: every answer logs its impression.
    http_cache = HttpCachePolicy("CACHE_TTL_RECOMMENDATIONS", early=False)

    def list(self, request, *args, **kwargs):
        request_id = experiments.request_id(request)
        source, items = services.similar_movies(tmdb_id=self.kwargs["tmdb_id"], user=request.user)
        movies = self._page(items)
        algorithm = services.served_algorithm(items, "content-tfidf-v1")
        if algorithm != services.PRIOR_ALGORITHM:
            for movie in movies:
                movie.reason = services.similar_reason(source, movie)
        return self._serve(
            movies,
            request_id=request_id,
            kind=RecommendationLog.Kind.SIMILAR,
            algorithm=algorithm,
            query=str(source.tmdb_id),
        )


@extend_schema(
    tags=["recommendations"],
    summary="Best movies of a genre",
    description=(
        "The genre's movies ranked by a vote-count-weighted rating (80%) and popularity (20%). For a signed-in "
        "user, movies they have not favorited, watched, rated, liked or disliked come first, and movies they marked "
        "`not_interested` are left out. At most the genre's best 1,000 (`RECOMMENDATIONS_GENRE_LIST_SIZE`): "
        "`count` says how many. The genre is a TMDb genre id or a name in any case; an unknown genre is a 404."
    ),
    parameters=[
        OpenApiParameter(
            "genre",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            description='TMDb genre id ("878") or name, any case ("science fiction")',
        ),
        _REQUEST_ID,
    ],
)
class GenreRecommendationsApi(PublicHttpCache, _RecommendationListApi):
    permission_classes = [permissions.AllowAny]
    serializer_class = GenrePickSerializer
    http_cache = HttpCachePolicy("CACHE_TTL_RECOMMENDATIONS", early=False)

    def list(self, request, *args, **kwargs):
        request_id = experiments.request_id(request)
        genre, items = services.genre_picks(genre=self.kwargs["genre"], user=request.user)
        movies = self._page(items, seen_last=True)
        return self._serve(
            movies,
            request_id=request_id,
            kind=RecommendationLog.Kind.GENRE,
            algorithm="weighted-rating-v1",
            query=genre.name,
        )


@extend_schema(
    tags=["recommendations"],
    summary="Your personalized recommendations",
    description=(
        "A hybrid list: a taste profile from favorites, likes, ratings (weighted by rating and recency) and the "
        "watchlist, with dislikes and low ratings pushing away; saved preferences seed a new account; "
        "co-occurrence across users and what people went on to watch after the caller's latest movies, blended "
        "with content similarity; popular, well-rated movies fill the rest. Each item's `reason` names its "
        'strongest signal, e.g. "because you liked Heat", "people often watch this after Heat". '
        "Never a favorited, watched, rated, liked, disliked or `not_interested` movie; at most two per director. "
        "Cached per user until their taste changes (or for CACHE_TTL_RECOMMENDATIONS seconds). While an A/B "
        "experiment runs (see the admin), the caller's variant may use other blend weights or the popularity "
        "prior alone; the `X-Experiment` and `X-Experiment-Variant` response headers then name the experiment "
        "and variant. "
        "Takes discover's filters (`with_genres`, `without_genres`, `primary_release_date.gte`/`.lte`, "
        "`with_original_language`, `with_runtime.gte`/`.lte`, `with_watch_providers` + `watch_region`, same "
        "meanings as on `/api/movies/discover/`) and `exclude_watchlist=true`; they narrow the candidates before "
        "the list is ranked and cut, so a filtered page is full when enough movies match. A bad value is a 400 "
        "envelope naming the parameter."
    ),
    parameters=[
        *filters.schema_parameters(filters.RECOMMENDATION_PARAMS),
        _REQUEST_ID,
        OpenApiParameter(
            experiments.EXPERIMENT_HEADER,
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            response=True,
            description="Name of the running experiment that served the list (absent when none runs).",
        ),
        OpenApiParameter(
            experiments.VARIANT_HEADER,
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            response=True,
            description='The caller\'s variant in that experiment, e.g. "control" (absent when none runs).',
        ),
    ],
)
class UserRecommendationsApi(_RecommendationListApi):
    permission_classes = [permissions.IsAuthenticated]

    def list(self, request, *args, **kwargs):
        params = filters.parse(request.query_params, filters.RECOMMENDATION_PARAMS)
        request_id = experiments.request_id(request)
        assignment = experiments.resolve(kind=RecommendationLog.Kind.PERSONALIZED, user=request.user)
        blend = experiments.blend_for(assignment.variant) if assignment else None
        items = services.personalized_recommendations(
            user=request.user, blend=blend, variant_key=assignment.algorithm_label if blend else "", params=params
        )
        movies = self._page(items)
        return self._serve(
            movies,
            request_id=request_id,
            assignment=assignment,
            kind=RecommendationLog.Kind.PERSONALIZED,
            algorithm=services.served_algorithm(items, assignment.algorithm_label if assignment else "hybrid-v2"),
            experiment_id=assignment.experiment_id if assignment else None,
            variant=assignment.variant.name if assignment else "",
        )
