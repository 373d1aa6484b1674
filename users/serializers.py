"""Request and response shapes of the auth and /api/users/me/ endpoints. Validation only, no writes."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from movie_backend.fields import StrictCharField, StrictEmailField
from movies.serializers import MovieSummarySerializer
from users.models import Favorite, Interaction, Preference, User
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
