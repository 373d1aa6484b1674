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


class MovieSummarySerializer(serializers.ModelSerializer):
    """A movie in a list. Querysets must prefetch `genres` (selectors do)."""

    genres = GenreSerializer(many=True, read_only=True)
    vote_average = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()

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
        ]

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
