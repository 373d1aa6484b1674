"""Reads of a user's own rows, shaped for the API (movie and genres loaded up front: no N+1)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import DecimalField, Prefetch, QuerySet, Value
from django.utils import timezone

from movies.models import Genre
from movies.selectors import movies_visible_to
from movies.serializers import USER_STATE
from recommendations.models import RecommendationLog
from users.imports.selectors import UNMATCHED_ROWS, import_list
from users.models import Favorite, Import, Interaction, Play, Preference, User

_GENRES = Prefetch("movie__genres", queryset=Genre.objects.order_by("name"))


def favorite_list(*, user: User) -> QuerySet[Favorite]:
    """The user's favorites, newest first, limited to movies the user may see."""
    return (
        Favorite.objects.filter(user=user, movie__in=movies_visible_to(user=user))
        .select_related("movie")
        .prefetch_related(_GENRES)
        .order_by("-created_at", "-id")
    )


def interaction_list(*, user: User, type: str | None = None) -> QuerySet[Interaction]:
    """The user's interactions, most recently updated first, optionally of one type."""
    queryset = Interaction.objects.filter(user=user, movie__in=movies_visible_to(user=user))
    if type:
        queryset = queryset.filter(type=type)
    return queryset.select_related("movie").prefetch_related(_GENRES).order_by("-updated_at", "-id")


def preference_get(*, user: User) -> Preference:
    """The user's saved preferences; empty ones (not saved) when the user has none yet."""
    preference = Preference.objects.filter(user=user).first()
    return preference if preference is not None else Preference(user=user)


def play_list(*, user: User) -> QuerySet[Play]:
    """The user's plays, latest viewing first, limited to movies the user may see."""
    return (
        Play.objects.filter(user=user, movie__in=movies_visible_to(user=user))
        .select_related("movie")
        .prefetch_related(_GENRES)
        .order_by("-watched_at", "-id")
    )


@dataclass(frozen=True)
class AccountExport:
    """Everything stored about a user, as querysets for the export serializer (a handful of queries)."""

    exported_at: datetime
    profile: User
    preferences: Preference
    favorites: QuerySet[Favorite]
    interactions: QuerySet[Interaction]
    history: QuerySet[Play]
    imports: QuerySet[Import]
    recommendations: QuerySet[RecommendationLog]


def account_export(*, user: User) -> AccountExport:
    """Every row about the user, whatever the catalog now shows (none of it is filtered), oldest first."""
    return AccountExport(
        exported_at=timezone.now(),
        profile=user,
        preferences=preference_get(user=user),
        favorites=Favorite.objects.filter(user=user).select_related("movie").order_by("created_at", "id"),
        interactions=Interaction.objects.filter(user=user).select_related("movie").order_by("created_at", "id"),
        history=Play.objects.filter(user=user).select_related("movie").order_by("watched_at", "id"),
        imports=import_list(user=user).prefetch_related(UNMATCHED_ROWS).order_by("created_at", "id"),
        recommendations=RecommendationLog.objects.filter(user=user).order_by("created_at", "id"),
    )


# What `user_state` says of a movie besides its `rating`: a favorite, or an interaction of that type.
USER_STATE_FLAGS = ("favorite", "watchlist", "watched", "liked", "disliked", "not_interested")


def rows_state_context(*, user, rows) -> dict:
    """Serializer context for rows that hold a movie (favorites, interactions, plays): the caller's
    `user_state` of those movies, in one query."""
    return {USER_STATE: movie_states(user=user, tmdb_ids=[row.movie.tmdb_id for row in rows])}


def movie_states(*, user, tmdb_ids: Iterable[int]) -> dict[int, dict] | None:
    """The caller's own state of each of these movies (`user_state` in every movie shape), by TMDb id.

    One query, whatever the number of movies: the caller's interactions with them UNION their favorites among
    them. None (and no query) for an anonymous caller, who gets no `user_state`.
    """
    if user is None or not user.is_authenticated:
        return None
    ids = {int(t) for t in tmdb_ids}
    states = {t: dict.fromkeys(USER_STATE_FLAGS, False) | {"rating": None} for t in ids}
    if not ids:
        return states
    interactions = (
        Interaction.objects.filter(user=user, movie__tmdb_id__in=ids)
        .order_by()
        .values_list("movie__tmdb_id", "type", "rating")
    )
    favorites = (
        Favorite.objects.filter(user=user, movie__tmdb_id__in=ids)
        .order_by()
        .annotate(
            kind=Value("favorite"), no_rating=Value(None, output_field=DecimalField(max_digits=2, decimal_places=1))
        )
        .values_list("movie__tmdb_id", "kind", "no_rating")
    )
    for tmdb_id, kind, rating in interactions.union(favorites, all=True):
        state = states[tmdb_id]
        if kind == Interaction.Type.RATED:
            state["rating"] = float(rating) if rating is not None else None
        elif kind in state:
            state[kind] = True
    return states
