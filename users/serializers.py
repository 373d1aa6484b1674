"""Request and response shapes of the auth and /api/users/me/ endpoints. Validation only, no writes."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from movie_backend.fields import StrictCharField, StrictEmailField
from movies.serializers import MovieSummarySerializer
from users.imports.serializers import ImportSerializer
from users.models import Favorite, Interaction, Play, Preference, User
from users.services import rating_errors

LIST_MAX = 50


def _validate_date_of_birth(value):
    if value is not None and value > timezone.localdate():
        raise serializers.ValidationError("Date of birth cannot be in the future.")
    if value is not None and value.year < 1900:
        raise serializers.ValidationError("Date of birth must be in 1900 or later.")
    return value


# --- Auth ---------------------------------------------------------------------------------------------


class RegisterSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=254)
    password = StrictCharField(write_only=True, max_length=128, style={"input_type": "password"})
    name = StrictCharField(max_length=150)
    date_of_birth = serializers.DateField(required=False, allow_null=True, validators=[_validate_date_of_birth])


class LoginSerializer(serializers.Serializer):
    email = StrictCharField(max_length=254)
    password = StrictCharField(write_only=True, max_length=128, style={"input_type": "password"})


class RefreshSerializer(serializers.Serializer):
    refresh = StrictCharField()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Access token (JWT): send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Refresh token (JWT), valid once: refreshing rotates it.")


class PasswordChangeSerializer(serializers.Serializer):
    current_password = StrictCharField(write_only=True, max_length=128, style={"input_type": "password"})
    new_password = StrictCharField(write_only=True, max_length=128, style={"input_type": "password"})


# --- Profile ------------------------------------------------------------------------------------------


class UserProfileSerializer(serializers.ModelSerializer):
    """The caller's profile. Only `name` and `date_of_birth` are writable; anything else sent is ignored."""

    name = StrictCharField(max_length=150, required=False, allow_blank=True)
    is_adult = serializers.BooleanField(read_only=True, help_text="Shown to be 18 or over by the date of birth.")
    date_of_birth = serializers.DateField(required=False, allow_null=True, validators=[_validate_date_of_birth])

    class Meta:
        model = User
        fields = ["id", "email", "name", "date_of_birth", "is_adult", "created_at", "updated_at"]
        read_only_fields = ["id", "email", "is_adult", "created_at", "updated_at"]


# --- Favorites ----------------------------------------------------------------------------------------


class FavoriteCreateSerializer(serializers.Serializer):
    tmdb_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="TMDb movie id.")


class FavoriteSerializer(serializers.ModelSerializer):
    tmdb_id = serializers.IntegerField(source="movie.tmdb_id", read_only=True)
    movie = MovieSummarySerializer(read_only=True)

    class Meta:
        model = Favorite
        fields = ["tmdb_id", "movie", "created_at"]


# --- Interactions -------------------------------------------------------------------------------------


class InteractionCreateSerializer(serializers.Serializer):
    tmdb_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="TMDb movie id.")
    type = serializers.ChoiceField(choices=Interaction.Type.choices)
    rating = serializers.DecimalField(
        max_digits=2,
        decimal_places=1,
        required=False,
        allow_null=True,
        coerce_to_string=False,
        help_text="0.5 to 5 in steps of 0.5; required when `type` is `rated`, refused otherwise.",
    )

    def validate(self, attrs):
        errors = rating_errors(type=attrs["type"], rating=attrs.get("rating"))
        if errors:
            raise serializers.ValidationError({"rating": errors})
        return attrs


class InteractionSerializer(serializers.ModelSerializer):
    tmdb_id = serializers.IntegerField(source="movie.tmdb_id", read_only=True)
    movie = MovieSummarySerializer(read_only=True)
    rating = serializers.DecimalField(max_digits=2, decimal_places=1, coerce_to_string=False, allow_null=True)

    class Meta:
        model = Interaction
        fields = ["id", "tmdb_id", "type", "rating", "movie", "created_at", "updated_at"]
        read_only_fields = fields


class InteractionListParams(serializers.Serializer):
    type = serializers.ChoiceField(choices=Interaction.Type.choices, required=False)


# --- Preferences --------------------------------------------------------------------------------------


class PreferenceSerializer(serializers.ModelSerializer):
    genres = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        max_length=LIST_MAX,
        help_text="TMDb genre ids (see GET /api/genres/).",
    )
    people = serializers.ListField(
        child=StrictCharField(max_length=200),
        max_length=LIST_MAX,
        help_text="Names of directors, actors or writers.",
    )
    movies = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        max_length=LIST_MAX,
        help_text="TMDb movie ids.",
    )
    # null until the preferences are first saved (GET answers empty lists then).
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Preference
        fields = ["genres", "people", "movies", "updated_at"]
        read_only_fields = ["updated_at"]


# --- Watch history ------------------------------------------------------------------------------------


def _validate_watched_at(value):
    if value is not None and value > timezone.now() + timedelta(minutes=5):  # a few minutes of clock skew
        raise serializers.ValidationError("A play cannot be in the future.")
    if value is not None and value.year < 1870:
        raise serializers.ValidationError("A play must be in 1870 or later.")
    return value


class PlayCreateSerializer(serializers.Serializer):
    tmdb_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="TMDb movie id.")
    watched_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        validators=[_validate_watched_at],
        help_text="When it was watched (ISO 8601, e.g. 2024-05-01T21:30:00Z); now when left out.",
    )


class PlaySerializer(serializers.ModelSerializer):
    tmdb_id = serializers.IntegerField(source="movie.tmdb_id", read_only=True)
    movie = MovieSummarySerializer(read_only=True)

    class Meta:
        model = Play
        fields = ["id", "tmdb_id", "movie", "watched_at", "rewatch", "source", "created_at"]
        read_only_fields = fields


# --- Account: password reset, export, deletion --------------------------------------------------------


class PasswordResetSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = StrictCharField(max_length=64, help_text="The `uid` of the reset mail.")
    token = StrictCharField(max_length=128, help_text="The `token` of the reset mail.")
    new_password = StrictCharField(write_only=True, max_length=128, style={"input_type": "password"})


class AccountDeleteSerializer(serializers.Serializer):
    password = StrictCharField(write_only=True, max_length=128, style={"input_type": "password"})


class _ExportMovieFields(serializers.Serializer):
    tmdb_id = serializers.IntegerField(source="movie.tmdb_id")
    title = serializers.CharField(source="movie.title")


class ExportFavoriteSerializer(_ExportMovieFields):
    created_at = serializers.DateTimeField()


class ExportInteractionSerializer(_ExportMovieFields):
    id = serializers.IntegerField()
    type = serializers.CharField()
    rating = serializers.DecimalField(max_digits=2, decimal_places=1, coerce_to_string=False, allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ExportPlaySerializer(_ExportMovieFields):
    id = serializers.IntegerField()
    watched_at = serializers.DateTimeField()
    rewatch = serializers.BooleanField()
    source = serializers.CharField()
    created_at = serializers.DateTimeField()


class ExportRecommendationSerializer(serializers.Serializer):
    kind = serializers.CharField()
    algorithm = serializers.CharField()
    query = serializers.CharField()
    movie_ids = serializers.ListField(child=serializers.IntegerField(), help_text="TMDb ids served, in order.")
    created_at = serializers.DateTimeField()


class AccountExportSerializer(serializers.Serializer):
    exported_at = serializers.DateTimeField()
    profile = UserProfileSerializer()
    preferences = PreferenceSerializer()
    favorites = ExportFavoriteSerializer(many=True)
    interactions = ExportInteractionSerializer(many=True)
    history = ExportPlaySerializer(many=True, help_text="Plays, oldest first.")
    imports = ImportSerializer(many=True, help_text="What each import found (the uploaded files are not kept).")
    recommendations = ExportRecommendationSerializer(many=True, help_text="Lists served to the user.")
