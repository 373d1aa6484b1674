"""Reads of the mirror, shaped for the API."""

from __future__ import annotations

from django.db.models import QuerySet

from movies.models import Movie


def movies_visible_to(*, user) -> QuerySet[Movie]:
    """Every movie the caller may see: adult titles only for users shown to be 18 or over."""
    queryset = Movie.objects.all()
    if user is None or not user.is_authenticated or not user.is_adult:
        queryset = queryset.filter(adult=False)
    return queryset
