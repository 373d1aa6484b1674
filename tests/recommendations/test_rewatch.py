"""The recommenders read the watch history: a movie watched again is a strong positive, with its reason."""

from __future__ import annotations

import pytest

from recommendations import selectors
from tests.conftest import client_for
from tests.factories import UserFactory
from users.models import Play

URL = "/api/users/me/recommendations/"
HISTORY = "/api/users/me/history/"
pytestmark = pytest.mark.django_db


def watch(client, movie, *times: str) -> None:
    for at in times:
        assert client.post(HISTORY, {"tmdb_id": movie.tmdb_id, "watched_at": at}, format="json").status_code == 201


def test_a_rewatched_movie_leads_the_list_over_one_watched_once(catalog):
    client = client_for(UserFactory())
    watch(client, catalog["notting"], "2026-11-01T20:00:00Z")
    watch(client, catalog["heat"], "2026-10-01T20:00:00Z", "2026-11-02T20:00:00Z")

    first = client.get(URL, {"limit": 5}).json()["results"][0]

    assert (first["tmdb_id"], first["reason"]) == (1538, "because you watched Heat more than once")


def test_one_play_marked_a_rewatch_counts_as_one(catalog):
    user = UserFactory()
    client = client_for(user)
    watch(client, catalog["notting"], "2026-11-01T20:00:00Z")
    watch(client, catalog["heat"], "2026-10-01T20:00:00Z")
    Play.objects.filter(user=user, movie=catalog["heat"]).update(rewatch=True)  # as a Letterboxd diary says

    first = client.get(URL, {"limit": 5}).json()["results"][0]

    assert first["reason"] == "because you watched Heat more than once"


def test_the_index_counts_rewatches_with_the_other_signals(catalog):
    user = UserFactory()
    watch(client_for(user), catalog["heat"], "2026-10-01T20:00:00Z", "2026-11-02T20:00:00Z")

    rows = [row for row in selectors.interaction_rows() if row[0] == user.pk]

    assert sorted(kind for _user, _movie, kind, _rating, _at in rows) == ["rewatched", "watched"]
    rewatched = next(row for row in rows if row[2] == "rewatched")
    assert rewatched[4].isoformat() == "2026-11-02T20:00:00+00:00"  # the latest play
