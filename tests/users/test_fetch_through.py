"""A tmdb_id not yet mirrored is fetched through the catalog service (against the loopback TMDb stand-in)."""

from __future__ import annotations

import pytest

from movies.models import Movie
from tests.conftest import client_for
from tests.factories import UserFactory
from users.models import Favorite, Interaction, Preference

pytestmark = pytest.mark.django_db


def test_favoriting_an_unmirrored_movie_fetches_and_stores_it(auth_client, user, tmdb):
    tmdb.add_movies([550], title="Fight Club")

    response = auth_client.post("/api/users/me/favorites/", {"tmdb_id": 550}, format="json")

    assert response.status_code == 201
    assert response.json()["movie"]["title"] == "Fight Club"
    assert Favorite.objects.get(user=user).movie == Movie.objects.get(tmdb_id=550)
    # Mirrored now: adding again does not ask TMDb.
    calls = len(tmdb.calls("/movie/550"))
    assert auth_client.post("/api/users/me/favorites/", {"tmdb_id": 550}, format="json").status_code == 200
    assert len(tmdb.calls("/movie/550")) == calls


def test_an_id_tmdb_does_not_know_is_a_404(auth_client, tmdb):
    response = auth_client.post("/api/users/me/favorites/", {"tmdb_id": 31337}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Favorite.objects.exists()


def test_tmdb_down_is_a_503_and_nothing_is_written(auth_client, user, tmdb):
    tmdb.fail("/movie", status=502)

    response = auth_client.post("/api/users/me/interactions/", {"tmdb_id": 777, "type": "liked"}, format="json")

    assert response.status_code == 503
    assert "Retry-After" in response
    assert not Interaction.objects.exists()
    user.refresh_from_db()
    assert user.taste_version == 0


def test_preference_movies_are_fetched_through(auth_client, user, tmdb):
    tmdb.add_movies([603])

    response = auth_client.patch("/api/users/me/preferences/", {"movies": [603, 31337]}, format="json")
    assert response.status_code == 400
    assert "31337" in response.json()["errors"]["movies"][0]

    response = auth_client.patch("/api/users/me/preferences/", {"movies": [603]}, format="json")
    assert response.status_code == 200
    assert Preference.objects.get(user=user).movies == [603]
    assert Movie.objects.filter(tmdb_id=603).exists()


def test_an_adult_title_fetched_for_a_minor_is_a_404(tmdb):
    tmdb.add_movies([9001], adult=True)
    client = client_for(UserFactory(date_of_birth=None))

    response = client.post("/api/users/me/favorites/", {"tmdb_id": 9001}, format="json")

    assert response.status_code == 404
    assert not Favorite.objects.exists()
