"""Reads of a user's own rows, shaped for the API (movie and genres loaded up front: no N+1)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from movies.models import Genre
from movies.selectors import movies_visible_to
from users.models import Favorite, Interaction, Preference, User

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
