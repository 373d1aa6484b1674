"""The movie shapes every API that returns movies shares (lists, details, recommendations)."""

from __future__ import annotations

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

    def get_poster_url(self, movie: Movie) -> str | None:
        return image_url(movie.poster_path)
