"""Interactions: one current row per (user, movie, type), rating rules, type filter, delete, taste version."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import client_for
from tests.factories import GenreFactory, InteractionFactory, MovieFactory, UserFactory
from tests.users.conftest import taste_version
from users.models import Interaction

URL = "/api/users/me/interactions/"
pytestmark = pytest.mark.django_db


def record(client, movie, type, rating=None, **extra):
    body = {"tmdb_id": movie.tmdb_id, "type": type, **extra}
    if rating is not None:
        body["rating"] = rating
    return client.post(URL, body, format="json")


@pytest.mark.parametrize("type", ["liked", "disliked", "watchlist", "watched"])
def test_record_each_type(auth_client, user, movie, type):
    response = record(auth_client, movie, type)

    assert response.status_code == 201
    body = response.json()
    assert body["type"] == type
    assert body["rating"] is None
    assert body["tmdb_id"] == movie.tmdb_id
    assert body["movie"]["title"] == movie.title
    assert Interaction.objects.get(user=user).type == type


@pytest.mark.parametrize("rating", [0.5, 1, 2.5, "3.5", 5])
def test_rated_accepts_half_steps(auth_client, user, movie, rating):
    response = record(auth_client, movie, "rated", rating)

    assert response.status_code == 201
    assert response.json()["rating"] == float(rating)
    assert Interaction.objects.get(user=user).rating == Decimal(str(rating))


@pytest.mark.parametrize(
    ("type", "rating"),
    [
        ("rated", None),  # required
        ("rated", 0),
        ("rated", 5.5),
        ("rated", 3.3),
        ("rated", 4.25),
        ("rated", -1),
        ("rated", "abc"),
        ("liked", 4),  # refused for other types
        ("watched", 0.5),
    ],
)
def test_rating_rules_are_enforced_in_the_envelope(auth_client, user, movie, type, rating):
    body = {"tmdb_id": movie.tmdb_id, "type": type}
    if rating is not None:
        body["rating"] = rating

    response = auth_client.post(URL, body, format="json")

    assert response.status_code == 400
    envelope = response.json()
    assert envelope["status"] == "error"
    assert envelope["code"] == "invalid"
    assert "rating" in envelope["errors"]
    assert not Interaction.objects.exists()
    assert taste_version(user) == 0


@pytest.mark.parametrize("body", [{"type": "liked"}, {"tmdb_id": 1, "type": "loved"}, {"tmdb_id": 1}])
def test_other_validation_errors(auth_client, body):
    response = auth_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) & {"tmdb_id", "type"}


def test_unknown_movie_is_a_404(auth_client):
    response = auth_client.post(URL, {"tmdb_id": 999_999_999, "type": "liked"}, format="json")

    assert response.status_code == 404
    assert not Interaction.objects.exists()


def test_recording_again_updates_the_row_in_place(auth_client, user, movie):
    first = record(auth_client, movie, "rated", 3).json()

    response = record(auth_client, movie, "rated", 4.5)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == first["id"]
    assert body["rating"] == 4.5
    assert body["created_at"] == first["created_at"]
    assert body["updated_at"] > first["updated_at"]
    assert Interaction.objects.filter(user=user, movie=movie).count() == 1


def test_types_are_separate_rows_but_liked_and_disliked_exclude_each_other(auth_client, user, movie):
    record(auth_client, movie, "watched")
    record(auth_client, movie, "liked")

    record(auth_client, movie, "disliked")

    assert sorted(Interaction.objects.filter(user=user).values_list("type", flat=True)) == ["disliked", "watched"]


def test_list_filters_by_type_newest_first(auth_client, user):
    liked = InteractionFactory(user=user, type="liked")
    watched = InteractionFactory(user=user, type="watched")
    newer_liked = InteractionFactory(user=user, type="liked")

    everything = auth_client.get(URL).json()
    only_liked = auth_client.get(URL, {"type": "liked"}).json()

    assert [item["id"] for item in everything["results"]] == [newer_liked.id, watched.id, liked.id]
    assert [item["id"] for item in only_liked["results"]] == [newer_liked.id, liked.id]
    assert only_liked["count"] == 2


def test_list_with_an_unknown_type_is_a_400(auth_client):
    response = auth_client.get(URL, {"type": "loved"})

    assert response.status_code == 400
    assert "type" in response.json()["errors"]


@pytest.mark.parametrize("size", [2, 15])
def test_list_query_count_does_not_grow_with_the_page(auth_client, user, django_assert_max_num_queries, size):
    genre = GenreFactory()
    for _ in range(size):
        InteractionFactory(user=user, movie=MovieFactory(genres=[genre]), type="rated", rating=Decimal("4.0"))

    # user (token), count, page, genres prefetch, the caller's user_state of the page
    with django_assert_max_num_queries(5):
        response = auth_client.get(URL, {"type": "rated"})

    assert len(response.json()["results"]) == size


def test_delete_own(auth_client, user):
    interaction = InteractionFactory(user=user)

    response = auth_client.delete(f"{URL}{interaction.id}/")

    assert response.status_code == 204
    assert not Interaction.objects.exists()
    assert auth_client.delete(f"{URL}{interaction.id}/").status_code == 404


def test_every_write_bumps_the_taste_version(auth_client, user, movie):
    record(auth_client, movie, "rated", 3)  # create
    assert taste_version(user) == 1
    record(auth_client, movie, "rated", 4)  # update
    assert taste_version(user) == 2
    interaction_id = Interaction.objects.get(user=user).id
    auth_client.delete(f"{URL}{interaction_id}/")  # delete
    assert taste_version(user) == 3
    auth_client.get(URL)
    assert taste_version(user) == 3


def test_a_minor_cannot_interact_with_an_adult_title_nor_see_one(adult_movie):
    minor = UserFactory(date_of_birth=None)
    client = client_for(minor)
    InteractionFactory(user=minor, movie=adult_movie)

    assert record(client, adult_movie, "liked").status_code == 404
    assert client.get(URL).json()["count"] == 0
