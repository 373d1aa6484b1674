"""The movie shapes every API that returns movies shares (lists, details, recommendations)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from movies.images import image_url
from movies.models import Genre, Movie


class GenreSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="tmdb_id", help_text="TMDb genre id.")

    class Meta:
        model = Genre
        fields = ["id", "name"]


class UserStateSerializer(serializers.Serializer):
    """What the signed-in caller has done with a movie."""

    favorite = serializers.BooleanField()
    watchlist = serializers.BooleanField()
    watched = serializers.BooleanField()
    liked = serializers.BooleanField()
    disliked = serializers.BooleanField()
    not_interested = serializers.BooleanField(help_text="Hidden from the caller's recommendation lists.")
    rating = serializers.FloatField(allow_null=True, help_text="The caller's rating, 0.5 to 5; null when unrated.")


# The serializer context key holding the caller's states by TMDb id (users.selectors.movie_states): only views
# answering one caller put it there, after any cache shared between callers.
USER_STATE = "user_state"


def user_state_add(movies: list[dict], states: dict[int, dict] | None) -> None:
    """Add `user_state` to movies already serialised (a page from the shared cache), as the serializer would."""
    if states is not None:
        for movie in movies:
            movie["user_state"] = states[movie["tmdb_id"]]


class MovieSummarySerializer(serializers.ModelSerializer):
    """A movie in a list. Querysets must prefetch `genres` (selectors do)."""

    genres = GenreSerializer(many=True, read_only=True)
    vote_average = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()
    # Not required: absent for anonymous callers. Filled by to_representation from the context, never from the
    # movie (a movie has no such attribute, so the field itself always skips).
    user_state = UserStateSerializer(
        required=False,
        help_text="Only for signed-in callers: what the caller has done with this movie (absent for anonymous ones).",
    )

    class Meta:
        model = Movie
        fields = [
            "tmdb_id",
            "title",
            "overview",
            "release_date",
            "genres",
            "popularity",
            "vote_average",
            "vote_count",
            "poster_url",
            "user_state",
        ]

    def to_representation(self, movie: Movie) -> dict:
        data = super().to_representation(movie)
        states = self.context.get(USER_STATE)
        if states is not None:
            data["user_state"] = states[movie.tmdb_id]
        return data

    @extend_schema_field(serializers.FloatField(allow_null=True, help_text="0 to 10; null when no one has voted."))
    def get_vote_average(self, movie: Movie) -> float | None:
        # No votes is not a zero rating (TMDb sends 0.0 for an unrated film).
        return movie.vote_average if movie.vote_count else None

    def get_poster_url(self, movie: Movie) -> str | None:
        return image_url(movie.poster_path)


class MovieImagesSerializer(serializers.Serializer):
    poster = serializers.URLField(allow_null=True, help_text="Poster, w500.")
    poster_small = serializers.URLField(allow_null=True, help_text="Poster, w185.")
    poster_original = serializers.URLField(allow_null=True)
    backdrop = serializers.URLField(allow_null=True, help_text="Backdrop, w1280.")
    backdrop_original = serializers.URLField(allow_null=True)


class MovieDetailSerializer(MovieSummarySerializer):
    """One movie with everything the mirror knows: credits, keywords and image URLs."""

    cast = serializers.ListField(child=serializers.CharField(), help_text="Top-billed cast, in billing order.")
    keywords = serializers.ListField(child=serializers.CharField())
    backdrop_url = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField()

    class Meta(MovieSummarySerializer.Meta):
        fields = [
            *MovieSummarySerializer.Meta.fields,
            "imdb_id",
            "original_title",
            "original_language",
            "runtime",
            "director",
            "writer",
            "cast",
            "keywords",
            "adult",
            "backdrop_url",
            "images",
            "source",
            "details_synced_at",
        ]

    def get_backdrop_url(self, movie: Movie) -> str | None:
        return image_url(movie.backdrop_path, size="w1280")

    @extend_schema_field(MovieImagesSerializer)
    def get_images(self, movie: Movie) -> dict:
        return {
            "poster": image_url(movie.poster_path),
            "poster_small": image_url(movie.poster_path, size="w185"),
            "poster_original": image_url(movie.poster_path, size="original"),
            "backdrop": image_url(movie.backdrop_path, size="w1280"),
            "backdrop_original": image_url(movie.backdrop_path, size="original"),
        }
