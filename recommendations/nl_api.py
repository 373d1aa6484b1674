"""POST /api/recommend/: natural-language recommendations (view and serializers)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from movie_backend.fields import StrictCharField
from movie_backend.throttling import ScopedThrottle
from movies.serializers import USER_STATE, MovieSummarySerializer
from recommendations import experiments, nl
from users.selectors import movie_states


class NlRecommendRequestSerializer(serializers.Serializer):
    query = StrictCharField(
        max_length=nl.QUERY_MAX_CHARS,
        trim_whitespace=True,
        help_text="What the viewer wants, in their own words (1 to 500 characters after trimming).",
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=nl.MAX_LIMIT, default=nl.DEFAULT_LIMIT, help_text="How many movies (1 to 50)."
    )


class NlRecommendationSerializer(MovieSummarySerializer):
    reason = serializers.CharField(help_text="Why this movie fits the request.")
    score = serializers.FloatField(
        help_text="Relevance in [0, 1], decreasing down the list (the LLM's order, or the local score)."
    )
    grounding = serializers.ChoiceField(
        choices=["candidate", "suggested"],
        help_text=(
            "How it was found: `candidate`, retrieved from the catalog by the local engine; `suggested`, named "
            "by the model from its own knowledge and resolved to exactly this catalog movie."
        ),
    )

    class Meta(MovieSummarySerializer.Meta):
        fields = ["tmdb_id", "title", "reason", "score", "grounding"] + [
            f for f in MovieSummarySerializer.Meta.fields if f not in ("tmdb_id", "title")
        ]

    def to_representation(self, result: nl.NlResult):
        data = dict(MovieSummarySerializer(result.movie, context=self.context).data)
        data["reason"] = result.reason
        data["score"] = result.score
        data["grounding"] = result.grounding
        return {key: data[key] for key in self.Meta.fields if key in data}  # user_state only when signed in


class NlInterpretationSerializer(serializers.Serializer):
    genres = serializers.ListField(child=serializers.CharField(), help_text="Genres the request asks for.")
    moods = serializers.ListField(child=serializers.CharField(), help_text="Moods detected, e.g. `feel-good`.")
    people = serializers.ListField(child=serializers.CharField(), help_text="Catalog people named in the request.")
    year_from = serializers.IntegerField(allow_null=True)
    year_to = serializers.IntegerField(allow_null=True)
    audience = serializers.ChoiceField(
        choices=["family", "adults"], allow_null=True, help_text="`family` (for kids) or `adults` (not for kids)."
    )
    languages = serializers.ListField(
        child=serializers.CharField(), help_text="Original languages asked for (ISO 639-1), e.g. `fr`."
    )
    exclude_genres = serializers.ListField(child=serializers.CharField())
    like_titles = serializers.ListField(child=serializers.CharField(), help_text="Titles named after “like”.")
    keywords = serializers.ListField(child=serializers.CharField(), help_text="Other words matched in the catalog.")


class NlRecommendResponseSerializer(serializers.Serializer):
    query = serializers.CharField(help_text="The request's query, trimmed.")
    source = serializers.ChoiceField(
        choices=["llm", "fallback"],
        help_text=(
            "`llm`: the LLM reranked our candidates (and named films we resolved). `fallback`: the local engine "
            "answered."
        ),
    )
    fallback_reason = serializers.ChoiceField(
        choices=[
            "not_configured",
            "timeout",
            "unavailable",
            "rate_limited",
            "bad_response",
            "no_valid_ids",
            "no_candidates",
            "error",
        ],
        allow_null=True,
        help_text="Why the local engine answered; null when `source` is `llm`.",
    )
    model = serializers.CharField(allow_null=True, help_text="The LLM that answered; null on fallback.")
    prompt_version = serializers.CharField(help_text="Version of the prompt templates, e.g. `nl-v2`.")
    cached = serializers.BooleanField(help_text="Served from the answer cache (no LLM call).")
    interpretation = NlInterpretationSerializer(help_text="What the local engine understood from the query.")
    results = NlRecommendationSerializer(many=True)


# What the local step understood from "90s sci-fi ..." (both examples below show it).
_EXAMPLE_INTERPRETATION = {
    "genres": ["Science Fiction"],
    "moods": [],
    "people": [],
    "year_from": 1990,
    "year_to": 1999,
    "audience": None,
    "languages": [],
    "exclude_genres": [],
    "like_titles": [],
    "keywords": [],
}
_EXAMPLE_MOVIE = {
    "tmdb_id": 603,
    "title": "The Matrix",
    "reason": "A 90s science-fiction classic about questioning reality.",
    "score": 0.9091,
    "grounding": "candidate",
    "overview": "",
    "release_date": "1999-03-31",
    "genres": [{"id": 28, "name": "Action"}, {"id": 878, "name": "Science Fiction"}],
    "popularity": 83.2,
    "vote_average": 8.2,
    "vote_count": 24000,
    "poster_url": None,
}


class NlRecommendApi(APIView):
    """Natural-language recommendations grounded in the catalog."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "recommend"

    @extend_schema(
        tags=["recommendations"],
        operation_id="recommend_create",
        summary="Recommend movies for a free-text request",
        description=(
            "Retrieve-then-rerank: the local engine picks 30 to 60 candidates from the catalog (genres, moods, "
            "people, eras, audiences, keywords, your profile when logged in, popularity), and the LLM chooses and "
            "explains from those. Ids outside the candidates are dropped. The LLM may also name films from its own "
            "knowledge (title and year, or IMDb id): each is kept only when it resolves to exactly one catalog "
            "movie (`grounding: suggested`), never when seen or not interesting to you. Without an LLM, or when "
            "it fails, "
            "times out or answers badly, the local ranking answers with `source: fallback` and a "
            "`fallback_reason`. Repeated questions are served from a cache. Throttled (scope `recommend`): per "
            "IP address for anonymous callers, per user when authenticated."
        ),
        request=NlRecommendRequestSerializer,
        responses={200: NlRecommendResponseSerializer},
        examples=[
            OpenApiExample(
                "Request", value={"query": "90s sci-fi with a strong female lead", "limit": 2}, request_only=True
            ),
            OpenApiExample(
                "Answer from the LLM",
                response_only=True,
                value={
                    "query": "90s sci-fi with a strong female lead",
                    "source": "llm",
                    "fallback_reason": None,
                    "model": "gpt-5-mini",
                    "prompt_version": "nl-v2",
                    "cached": False,
                    "interpretation": _EXAMPLE_INTERPRETATION,
                    "results": [_EXAMPLE_MOVIE],
                },
            ),
            OpenApiExample(
                "Fallback to the local engine",
                response_only=True,
                value={
                    "query": "90s sci-fi",
                    "source": "fallback",
                    "fallback_reason": "not_configured",
                    "model": None,
                    "prompt_version": "nl-v2",
                    "cached": False,
                    "interpretation": _EXAMPLE_INTERPRETATION,
                    "results": [
                        {**_EXAMPLE_MOVIE, "reason": "Science Fiction; from 1999; highly rated.", "score": 1.0}
                    ],
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = NlRecommendRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        request_id = experiments.request_id(request)
        answer = nl.nl_recommend(
            query=serializer.validated_data["query"],
            limit=serializer.validated_data["limit"],
            user=request.user,
            request_id=request_id,
        )
        states = movie_states(user=request.user, tmdb_ids=[r.movie.tmdb_id for r in answer.results])
        body = NlRecommendResponseSerializer(answer, context={USER_STATE: states}).data
        return experiments.tag_response(Response(body), request_id=request_id)
