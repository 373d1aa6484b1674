"""Writes for watch history: plays (a movie watched at a time; plays may repeat). Reads are in users.selectors.

A play marks its movie watched (a `watched` interaction, under the interaction rules) in the same
transaction, and changes the user's taste: the recommenders read plays, a re-watch as a strong positive.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from movie_backend.exceptions import NotFound
from users.models import Interaction, Play, User
from users.services import InteractionWrite, interactions_write_bulk, movie_visible_get_or_fetch, user_taste_changed


class PlayNotFound(NotFound):
    message = "Play not found."


def play_record(*, user: User, tmdb_id: int, watched_at: datetime.datetime | None = None) -> Play:
    """Log a play (now when `watched_at` is None) and mark the movie watched. A movie not yet mirrored is
    fetched first (outside the transaction); one the user may not see is a 404."""
    movie = movie_visible_get_or_fetch(user=user, tmdb_id=tmdb_id)
    with transaction.atomic():
        play = Play.objects.create(user=user, movie=movie, watched_at=watched_at or timezone.now())
        interactions_write_bulk(user=user, writes=[InteractionWrite(movie.pk, Interaction.Type.WATCHED)])
        user_taste_changed(user=user)
    return play


def play_delete(*, user: User, play_id: int) -> None:
    """Delete one of the user's plays. The movie stays watched: that is its own interaction to delete."""
    with transaction.atomic():
        deleted, _ = Play.objects.filter(user=user, pk=play_id).delete()
        if not deleted:
            raise PlayNotFound()
        user_taste_changed(user=user)


@dataclass(frozen=True)
class PlayWrite:
    movie_id: int
    watched_at: datetime.datetime
    rewatch: bool
    occurrence: int  # this is the n-th play of the movie at `watched_at` in the file being imported


def plays_import_bulk(*, user: User, plays: list[PlayWrite]) -> list[bool]:
    """Add imported plays that are not there yet; answers, per play, whether it was created.

    A file's n-th play of a movie at one time is created only while fewer than n such plays exist, so the
    same file imported twice adds nothing the second time, and two viewings on one day stay two. Run it
    inside the caller's transaction; the caller marks the movies watched and bumps the taste version.
    """
    if not plays:
        return []
    wanted = {(play.movie_id, play.watched_at) for play in plays}
    found = Play.objects.filter(
        user=user,
        movie_id__in={movie_id for movie_id, _ in wanted},
        watched_at__in={watched_at for _, watched_at in wanted},
    ).values_list("movie_id", "watched_at")
    counts = Counter(key for key in found if key in wanted)
    created: list[bool] = []
    rows: list[Play] = []
    for play in plays:
        key = (play.movie_id, play.watched_at)
        new = counts[key] < play.occurrence
        if new:
            counts[key] += 1
            rows.append(
                Play(
                    user=user,
                    movie_id=play.movie_id,
                    watched_at=play.watched_at,
                    rewatch=play.rewatch,
                    source=Play.Source.IMPORT,
                )
            )
        created.append(new)
    Play.objects.bulk_create(rows, batch_size=500)
    return created
