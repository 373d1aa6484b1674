"""Staff-only operational endpoints."""

from __future__ import annotations

import datetime

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from movie_backend import usage
from movie_backend.selectors import usage_history


class UsageQuery(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=31, default=7, required=False)


UsageSummary = inline_serializer(
    "UsageSummary",
    {
        "tmdb_calls": serializers.IntegerField(),
        "tmdb_errors": serializers.IntegerField(),
        "cache_hits": serializers.IntegerField(),
        "cache_misses": serializers.IntegerField(),
        "cache_hit_rate": serializers.FloatField(),
        "llm_calls": serializers.IntegerField(),
        "llm_errors": serializers.IntegerField(),
        "llm_prompt_tokens": serializers.IntegerField(),
        "llm_completion_tokens": serializers.IntegerField(),
        "llm_fallbacks": serializers.IntegerField(),
        "llm_suggestions_resolved": serializers.IntegerField(
            help_text="Films the LLM named from its own knowledge that resolved to one catalog movie."
        ),
        "llm_suggestions_dropped": serializers.IntegerField(
            help_text="Films the LLM named that were dropped: invented, ambiguous, seen or hidden, repeated."
        ),
        "throttled": serializers.IntegerField(),
    },
)


class UsageApi(APIView):
    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        tags=["admin"],
        summary="Usage: TMDb calls, cache hits and misses, LLM calls, tokens and fallbacks, throttling",
        description=(
            "Today's live counters (shared by every process through Redis) and the daily history rolled up "
            "into the database. Counter names: `tmdb.request.<endpoint>.<outcome>`, `cache.hit.<family>`, "
            "`cache.miss.<family>`, `llm.call.<outcome>`, `llm.tokens.prompt|completion`, "
            "`llm.fallback.<reason>`, `llm.suggestion.<outcome>` (resolved, invented, ambiguous, excluded, "
            "repeated), `throttle.<view>`. Staff only."
        ),
        parameters=[
            OpenApiParameter(
                "days",
                {"type": "integer", "minimum": 1, "maximum": 31},
                description="Days of history, 1 to 31 (default 7).",
            )
        ],
        responses={
            200: inline_serializer(
                "Usage",
                {
                    "day": serializers.DateField(),
                    "summary": UsageSummary,
                    "counters": serializers.DictField(child=serializers.IntegerField()),
                    "history": inline_serializer(
                        "UsageDay",
                        {
                            "day": serializers.DateField(),
                            "summary": UsageSummary,
                            "counters": serializers.DictField(child=serializers.IntegerField()),
                        },
                        many=True,
                    ),
                },
            )
        },
    )
    def get(self, request):
        query = UsageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = datetime.date.today()
        counters = usage.counters_for(today.isoformat())
        history = [
            {"day": day, "summary": usage.summarize(day_counters), "counters": day_counters}
            for day, day_counters in usage_history(days=query.validated_data["days"], before=today)
        ]
        return Response({"day": today, "summary": usage.summarize(counters), "counters": counters, "history": history})
