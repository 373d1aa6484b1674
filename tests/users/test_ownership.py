"""Every /api/users/me/ route serves only the caller's rows: with two users, neither sees nor touches the
other's data, and someone else's id is a 404."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import FavoriteFactory, GenreFactory, InteractionFactory, MovieFactory, PreferenceFactory
from users.models import Favorite, Interaction, Preference

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_user):
    """The other user's rows."""
    return {
        "favorite": FavoriteFactory(user=other_user),
        "interaction": InteractionFactory(user=other_user, type="rated", rating=Decimal("2.0")),
        "preference": PreferenceFactory(user=other_user, genres=[GenreFactory().tmdb_id], people=["Theirs"]),
    }


def test_profile_is_the_callers(auth_client, user, other_client, other_user):
    assert auth_client.get("/api/users/me/").json()["id"] == user.id
    assert other_client.get("/api/users/me/").json()["id"] == other_user.id
    auth_client.patch("/api/users/me/", {"name": "Mine"}, format="json")
    other_user.refresh_from_db()
    assert other_user.name != "Mine"


def test_favorites_list_and_delete_are_the_callers(auth_client, user, other_client, theirs):
    mine = FavoriteFactory(user=user)

    listed = auth_client.get("/api/users/me/favorites/").json()
    assert [item["tmdb_id"] for item in listed["results"]] == [mine.movie.tmdb_id]
    assert [item["tmdb_id"] for item in other_client.get("/api/users/me/favorites/").json()["results"]] == [
        theirs["favorite"].movie.tmdb_id
    ]

    response = auth_client.delete(f"/api/users/me/favorites/{theirs['favorite'].movie.tmdb_id}/")
    assert response.status_code == 404
    assert Favorite.objects.filter(pk=theirs["favorite"].pk).exists()


def test_adding_a_favorite_leaves_the_other_users_alone(auth_client, other_user, theirs):
    movie = theirs["favorite"].movie

    assert auth_client.post("/api/users/me/favorites/", {"tmdb_id": movie.tmdb_id}, format="json").status_code == 201
    assert Favorite.objects.filter(movie=movie).count() == 2
    assert Favorite.objects.filter(user=other_user).count() == 1


def test_interactions_list_and_delete_are_the_callers(auth_client, user, other_client, theirs):
    mine = InteractionFactory(user=user, type="liked")

    assert [item["id"] for item in auth_client.get("/api/users/me/interactions/").json()["results"]] == [mine.id]
    assert [item["id"] for item in other_client.get("/api/users/me/interactions/").json()["results"]] == [
        theirs["interaction"].id
    ]

    response = auth_client.delete(f"/api/users/me/interactions/{theirs['interaction'].id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Interaction.objects.filter(pk=theirs["interaction"].pk).exists()


def test_recording_an_interaction_never_updates_the_other_users_row(auth_client, theirs):
    movie = theirs["interaction"].movie

    response = auth_client.post(
        "/api/users/me/interactions/", {"tmdb_id": movie.tmdb_id, "type": "rated", "rating": 5}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["id"] != theirs["interaction"].id
    theirs["interaction"].refresh_from_db()
    assert theirs["interaction"].rating == Decimal("2.0")


def test_preferences_are_the_callers(auth_client, user, other_user, theirs):
    assert auth_client.get("/api/users/me/preferences/").json()["people"] == []

    auth_client.put(
        "/api/users/me/preferences/",
        {"genres": [], "people": ["Mine"], "movies": [MovieFactory().tmdb_id]},
        format="json",
    )

    assert Preference.objects.get(user=user).people == ["Mine"]
    assert Preference.objects.get(user=other_user).people == ["Theirs"]


def test_taste_version_of_the_other_user_never_moves(auth_client, other_user, theirs):
    movie = MovieFactory()
    auth_client.post("/api/users/me/favorites/", {"tmdb_id": movie.tmdb_id}, format="json")
    auth_client.post("/api/users/me/interactions/", {"tmdb_id": movie.tmdb_id, "type": "liked"}, format="json")
    auth_client.patch("/api/users/me/preferences/", {"people": ["X"]}, format="json")

    other_user.refresh_from_db()
    assert other_user.taste_version == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/users/me/"),
        ("patch", "/api/users/me/"),
        ("post", "/api/users/me/password/"),
        ("get", "/api/users/me/favorites/"),
        ("post", "/api/users/me/favorites/"),
        ("delete", "/api/users/me/favorites/1/"),
        ("get", "/api/users/me/interactions/"),
        ("post", "/api/users/me/interactions/"),
        ("delete", "/api/users/me/interactions/1/"),
        ("get", "/api/users/me/preferences/"),
        ("put", "/api/users/me/preferences/"),
        ("patch", "/api/users/me/preferences/"),
        ("post", "/api/auth/logout/"),
    ],
)
def test_every_user_route_needs_a_token(api_client, method, path):
    response = getattr(api_client, method)(path, {}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
