"""Reads for the recommenders: the catalog and interactions as the index builder needs them, a user's taste
signals, genre picks and movies in a given order. The math lives in recommendations.engine."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, ExpressionWrapper, F, FloatField, Max, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Ln
from rest_framework.exceptions import NotFound

from movies.models import Genre, Movie
from movies.selectors import movies_visible_to
from users.models import Favorite, Interaction, Preference

# Interaction types that mean "already seen or rejected": never recommended again, shown last in genre picks.
SEEN_TYPES = (
    Interaction.Type.WATCHED,
    Interaction.Type.RATED,
    Interaction.Type.DISLIKED,
    Interaction.Type.LIKED,
)


class GenreNotFound(NotFound):
    default_detail = "Genre not found."
    default_code = "genre_not_found"


@dataclass(frozen=True)
class Signal:
    tmdb_id: int
    title: str
    kind: str  # "favorite" or an Interaction.Type value
    rating: float | None
    at: datetime | None


@dataclass(frozen=True)
class TasteSignals:
    signals: list[Signal]
    genres: list[int]
    people: list[str]
    movies: list[int]


def catalog_version() -> str:
    """Changes whenever a movie is added, removed or updated: count and newest updated_at."""
    stats = Movie.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    latest = stats["latest"].isoformat() if stats["latest"] else "-"
    return f"{stats['count']}:{latest}"


def user_taste_signals(*, user) -> TasteSignals:
    """Favorites, interactions and saved preferences: three queries."""
    signals = [
        Signal(tmdb_id, title, "favorite", None, created_at)
        for tmdb_id, title, created_at in Favorite.objects.filter(user=user).values_list(
            "movie__tmdb_id", "movie__title", "created_at"
        )
    ]
    signals += [
        Signal(tmdb_id, title, kind, float(rating) if rating is not None else None, updated_at)
        for tmdb_id, title, kind, rating, updated_at in Interaction.objects.filter(user=user).values_list(
            "movie__tmdb_id", "movie__title", "type", "rating", "updated_at"
        )
    ]
    preference = Preference.objects.filter(user=user).values("genres", "people", "movies").first() or {}
    return TasteSignals(
        signals=signals,
        genres=[int(g) for g in preference.get("genres") or [] if str(g).lstrip("-").isdigit()],
        people=[str(p) for p in preference.get("people") or [] if str(p).strip()],
        movies=[int(m) for m in preference.get("movies") or [] if str(m).lstrip("-").isdigit()],
    )


def movies_in_order(*, user, tmdb_ids: Iterable[int]) -> list[Movie]:
    """The visible movies with these TMDb ids, genres prefetched, in the order given (unknown ids dropped)."""
    tmdb_ids = list(tmdb_ids)
    if not tmdb_ids:
        return []
    found = {m.tmdb_id: m for m in movies_visible_to(user=user).filter(tmdb_id__in=tmdb_ids).prefetch_related("genres")}
    return [found[t] for t in tmdb_ids if t in found]


def genre_best_movies(
    *, genre: Genre, user, mean_vote: float, min_votes: float, max_popularity: float
) -> QuerySet[Movie]:
    """The genre's movies by a vote-count-weighted rating (80%) and log popularity (20%), annotated `score`.

    For a signed-in user, movies they have not favorited, watched, rated, liked or disliked come first.
    """
    votes = Cast(F("vote_count"), FloatField())
    m = Value(float(max(min_votes, 1.0)))
    weighted = (votes / (votes + m)) * F("vote_average") + (m / (votes + m)) * Value(float(mean_vote))
    log_max = math.log1p(max(max_popularity, 0.0)) or 1.0
    score = ExpressionWrapper(
        Value(0.08) * weighted + Value(0.2 / log_max) * Ln(F("popularity") + Value(1.0)),
        output_field=FloatField(),
    )
    queryset = movies_visible_to(user=user).filter(genres=genre).annotate(score=score).prefetch_related("genres")
    if user is not None and user.is_authenticated:
        seen = Exists(Favorite.objects.filter(user=user, movie=OuterRef("pk"))) | Exists(
            Interaction.objects.filter(user=user, movie=OuterRef("pk"), type__in=SEEN_TYPES)
        )
        return queryset.annotate(seen=seen).order_by("seen", "-score", "tmdb_id")
    return queryset.order_by("-score", "tmdb_id")


def catalog_rows():
    """The catalog as the index builder reads it: movie values (updated_at last) and (movie pk, genre TMDb id)
    pairs."""
    movies = list(
        Movie.objects.order_by("pk").values_list(
            "pk",
            "tmdb_id",
            "title",
            "overview",
            "director",
            "cast",
            "keywords",
            "popularity",
            "vote_average",
            "vote_count",
            "adult",
            "updated_at",
        )
    )
    genres = list(Movie.genres.through.objects.values_list("movie_id", "genre__tmdb_id"))
    return movies, genres


def interaction_rows():
    """Every user's favorites and interactions as (user id, movie pk, kind, rating, when)."""
    rows = [
        (user_id, movie_id, "favorite", None, at)
        for user_id, movie_id, at in Favorite.objects.values_list("user_id", "movie_id", "created_at").iterator(
            chunk_size=10_000
        )
    ]
    rows += list(
        Interaction.objects.values_list("user_id", "movie_id", "type", "rating", "updated_at").iterator(
            chunk_size=10_000
        )
    )
    return rows
