"""Staff endpoints over impressions and outcomes: experiments, site analytics, model performance."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from recommendations import analytics
from recommendations.models import Experiment

# --- shapes (documentation and rendering of the analytics dicts) ----------------------------------


class ExperimentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Experiment
        fields = ["id", "name", "description", "kind", "variants", "active", "starts_at", "ends_at", "created_at"]
        read_only_fields = fields


class VariantResultSerializer(serializers.Serializer):
    variant = serializers.CharField()
    is_control = serializers.BooleanField()
    impressions = serializers.IntegerField(help_text="Lists served by this variant.")
    users = serializers.IntegerField(help_text="Distinct signed-in users served.")
    converted_users = serializers.IntegerField(help_text="Users with at least one outcome credited.")
    outcome_rate = serializers.FloatField(help_text="converted_users / users.")
    ci95 = serializers.ListField(child=serializers.FloatField(), help_text="95% Wilson interval of outcome_rate.")
    converted_impressions = serializers.IntegerField()
    impression_outcome_rate = serializers.FloatField(help_text="Share of impressions with an outcome.")
    conversions = serializers.IntegerField(help_text="Outcomes credited (a list may convert more than once).")
    conversions_by_position = serializers.ListField(
        child=serializers.IntegerField(), help_text="Outcomes credited at positions 1 to 20."
    )
    conversions_beyond_position = serializers.IntegerField(help_text="Outcomes credited below position 20.")
    coverage = serializers.FloatField(help_text="Distinct movies served / catalog size.")
    novelty = serializers.FloatField(
        allow_null=True, help_text="Mean -log2 of a served movie's share of the catalog's popularity."
    )
    lift = serializers.FloatField(allow_null=True, help_text="Relative change of outcome_rate against control.")
    z = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True, help_text="Two-sided two-proportion z-test against control.")


class DailyPointSerializer(serializers.Serializer):
    day = serializers.DateField()
    variant = serializers.CharField()
    impressions = serializers.IntegerField()
    converted = serializers.IntegerField()
    outcome_rate = serializers.FloatField()


class ExperimentResultsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    active = serializers.BooleanField()
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    control = serializers.CharField()
    attribution_days = serializers.IntegerField()
    catalog_size = serializers.IntegerField()
    computed_at = serializers.DateTimeField()
    variants = VariantResultSerializer(many=True)
    daily = DailyPointSerializer(many=True)


class NamedCountSerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


class GenreCountSerializer(NamedCountSerializer):
    id = serializers.IntegerField()


class RatingCountSerializer(serializers.Serializer):
    rating = serializers.FloatField()
    count = serializers.IntegerField()


class RatingsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    distribution = RatingCountSerializer(many=True)


class ActivityPointSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day of the week (Monday) or month.")
    total = serializers.IntegerField()
    favorite = serializers.IntegerField()
    liked = serializers.IntegerField()
    disliked = serializers.IntegerField()
    watchlist = serializers.IntegerField()
    watched = serializers.IntegerField()
    rated = serializers.IntegerField()


class ActivitySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=list(analytics.PERIODS))
    since = serializers.DateTimeField()
    series = ActivityPointSerializer(many=True)


class PeopleSerializer(serializers.Serializer):
    directors = NamedCountSerializer(many=True)
    cast = NamedCountSerializer(many=True)


class TasteAnalyticsSerializer(serializers.Serializer):
    favorite_genres = GenreCountSerializer(
        many=True, help_text="Genres of favorited, liked and 4+ rated movies, most frequent first."
    )
    ratings = RatingsSerializer()
    activity = ActivitySerializer()
    people = PeopleSerializer(help_text="Directors and cast across favorites, likes and 4+ ratings.")


class TitleCountSerializer(serializers.Serializer):
    tmdb_id = serializers.IntegerField()
    title = serializers.CharField()
    count = serializers.IntegerField()


class UserCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    recommended_to = serializers.IntegerField(help_text="Users served a list in the last `days` days.")


class SiteAnalyticsSerializer(TasteAnalyticsSerializer):
    users = UserCountsSerializer()
    days = serializers.IntegerField()
    impressions = serializers.IntegerField()
    most_recommended = TitleCountSerializer(many=True)
    most_converted = TitleCountSerializer(many=True, help_text="Titles with the most outcomes credited.")


class EvaluationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    dataset = serializers.CharField()
    seed = serializers.IntegerField()
    seconds = serializers.FloatField()
    metrics = serializers.DictField(
        child=serializers.DictField(child=serializers.FloatField()), help_text="{algorithm: {metric: value}}"
    )
    details = serializers.DictField()


class OnlineRateSerializer(serializers.Serializer):
    kind = serializers.CharField()
    algorithm = serializers.CharField()
    variant = serializers.CharField()
    impressions = serializers.IntegerField()
    users = serializers.IntegerField()
    outcome_rate = serializers.FloatField()
    ci95 = serializers.ListField(child=serializers.FloatField())
    impression_outcome_rate = serializers.FloatField()


class OnlineSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    attribution_days = serializers.IntegerField()
    rates = OnlineRateSerializer(many=True)


class ModelPerformanceSerializer(serializers.Serializer):
    offline = EvaluationSerializer(allow_null=True, help_text="The newest `evaluate_recommendations` run.")
    online = OnlineSerializer()


# --- query parameters -----------------------------------------------------------------------------


class TasteQuery(serializers.Serializer):
    period = serializers.ChoiceField(choices=list(analytics.PERIODS), default="month", required=False)
    periods = serializers.IntegerField(min_value=1, max_value=104, default=12, required=False)


class SiteQuery(TasteQuery):
    days = serializers.IntegerField(min_value=1, max_value=365, default=30, required=False)


class DaysQuery(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365, default=30, required=False)


TASTE_PARAMETERS = [
    OpenApiParameter("period", str, enum=list(analytics.PERIODS), description="Activity per week or month."),
    OpenApiParameter("periods", int, description="How many weeks or months of activity, 1 to 104 (default 12)."),
]
DAYS_PARAMETER = OpenApiParameter("days", int, description="Impressions of the last N days, 1 to 365 (default 30).")


def _params(serializer_class, request) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


# --- views ----------------------------------------------------------------------------------------


@extend_schema(
    tags=["admin"],
    summary="A/B experiments",
    description="Every experiment, newest first. Create, start and stop them in the Django admin. Staff only.",
)
class ExperimentListApi(generics.ListAPIView):
    permission_classes = [permissions.IsAdminUser]
    serializer_class = ExperimentSerializer
    queryset = Experiment.objects.all()


class ExperimentResultsApi(APIView):
    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        tags=["admin"],
        summary="An experiment's results: outcome rate per variant, confidence, lift, significance",
        description=(
            "Per variant: impressions, users, the share of users with an outcome (a favorite, like, watchlist, "
            "watched or rating >= 4 of a served movie within EXPERIMENTS_ATTRIBUTION_DAYS, credited to the "
            "latest impression that showed it) with a 95% Wilson interval, lift against control, a two-sided "
            "two-proportion z-test, outcomes by position, catalog coverage and novelty; and the daily series. "
            "Computed from the logs, cached for EXPERIMENTS_RESULTS_CACHE_SECONDS. Staff only."
        ),
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Experiment id.")],
        responses={200: ExperimentResultsSerializer},
    )
    def get(self, request, id: int):
        experiment = get_object_or_404(Experiment, pk=id)
        return Response(ExperimentResultsSerializer(analytics.experiment_results_cached(experiment=experiment)).data)


class SiteAnalyticsApi(APIView):
    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        tags=["admin"],
        summary="Analytics over every user: genres, ratings, activity, people, top recommended and converted",
        description=(
            "The same figures as /api/users/me/analytics/ over all users, plus user counts and the most "
            "recommended and most converted titles of the last `days` days. Staff only."
        ),
        parameters=[*TASTE_PARAMETERS, DAYS_PARAMETER],
        responses={200: SiteAnalyticsSerializer},
    )
    def get(self, request):
        params = _params(SiteQuery, request)
        return Response(SiteAnalyticsSerializer(analytics.site_analytics(**params)).data)


class ModelPerformanceApi(APIView):
    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        tags=["admin"],
        summary="Model performance: the newest offline evaluation next to online outcome rates",
        description=(
            "`offline`: the metrics per algorithm stored by the newest `manage.py evaluate_recommendations` run "
            "(null before the first). `online`: per kind, algorithm and variant over the last `days` days, the "
            "share of users with an outcome (95% Wilson interval) and of impressions with one. Staff only."
        ),
        parameters=[DAYS_PARAMETER],
        responses={200: ModelPerformanceSerializer},
    )
    def get(self, request):
        params = _params(DaysQuery, request)
        return Response(ModelPerformanceSerializer(analytics.model_performance(**params)).data)


class UserAnalyticsApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["users"],
        summary="Your analytics: favorite genres, rating distribution, activity over time, people you return to",
        description=(
            "Genres and people counted over your favorites, likes and ratings of 4 or more (a person appears "
            "once they are in at least two of them); your ratings by value; your favorites and interactions "
            "per week (Monday) or month. Only ever the caller's own data."
        ),
        parameters=TASTE_PARAMETERS,
        responses={200: TasteAnalyticsSerializer},
    )
    def get(self, request):
        params = _params(TasteQuery, request)
        return Response(TasteAnalyticsSerializer(analytics.taste_analytics(user=request.user, **params)).data)
