"""Favorites: add (idempotent, also under concurrency), list, remove; age gating; taste version."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.conftest import client_for
from tests.factories import FavoriteFactory, GenreFactory, MovieFactory, UserFactory
from tests.users.conftest import taste_version
from users.models import Favorite

URL = "/api/users/me/favorites/"
pytestmark = pytest.mark.django_db


def test_add_answers_201_with_the_movie_then_200_and_never_a_second_row(auth_client, user, movie):
    first = auth_client.post(URL, {"tmdb_id": movie.tmdb_id}, format="json")
    second = auth_client.post(URL, {"tmdb_id": movie.tmdb_id}, format="json")

    assert first.status_code == 201
    assert second.status_code == 200
    body = first.json()
    assert body["tmdb_id"] == movie.tmdb_id
    assert body["movie"]["title"] == movie.title
    assert {"tmdb_id", "title", "overview", "release_date", "genres", "poster_url"} <= set(body["movie"])
    assert second.json()["tmdb_id"] == movie.tmdb_id
    assert Favorite.objects.filter(user=user, movie=movie).count() == 1


def test_add_an_unknown_movie_is_a_404_envelope(auth_client, user):
    response = auth_client.post(URL, {"tmdb_id": 999_999_999}, format="json")

    assert response.status_code == 404
    assert response.json()["status"] == "error"
    assert not Favorite.objects.exists()
    assert taste_version(user) == 0


@pytest.mark.parametrize("body", [{}, {"tmdb_id": "abc"}, {"tmdb_id": 0}, {"tmdb_id": -3}])
def test_add_validation_errors(auth_client, body):
    response = auth_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert "tmdb_id" in response.json()["errors"]


def test_list_is_newest_first_and_paginated(auth_client, user):
    genre = GenreFactory(name="Drama")
    older = FavoriteFactory(user=user, movie=MovieFactory(genres=[genre]))
    newer = FavoriteFactory(user=user)

    response = auth_client.get(URL, {"limit": 1})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [item["tmdb_id"] for item in body["results"]] == [newer.movie.tmdb_id]
    assert body["next"]
    page2 = auth_client.get(URL, {"limit": 1, "page": 2}).json()
    assert page2["results"][0]["tmdb_id"] == older.movie.tmdb_id
    assert page2["results"][0]["movie"]["genres"] == [{"id": genre.tmdb_id, "name": "Drama"}]


@pytest.mark.parametrize("size", [2, 15])
def test_list_query_count_does_not_grow_with_the_page(auth_client, user, django_assert_max_num_queries, size):
    genres = [GenreFactory(), GenreFactory()]
    for _ in range(size):
        FavoriteFactory(user=user, movie=MovieFactory(genres=genres))

    # user (token), count, page, genres prefetch, the caller's user_state of the page
    with django_assert_max_num_queries(5):
        response = auth_client.get(URL)

    assert len(response.json()["results"]) == size


def test_remove(auth_client, user, movie):
    FavoriteFactory(user=user, movie=movie)

    response = auth_client.delete(f"{URL}{movie.tmdb_id}/")

    assert response.status_code == 204
    assert not Favorite.objects.exists()
    again = auth_client.delete(f"{URL}{movie.tmdb_id}/")
    assert again.status_code == 404
    assert again.json()["code"] == "not_found"


def test_taste_version_moves_on_add_and_remove_only(auth_client, user, movie):
    auth_client.post(URL, {"tmdb_id": movie.tmdb_id}, format="json")
    assert taste_version(user) == 1
    auth_client.post(URL, {"tmdb_id": movie.tmdb_id}, format="json")  # already a favorite: no change
    assert taste_version(user) == 1
    auth_client.get(URL)
    assert taste_version(user) == 1
    auth_client.delete(f"{URL}{movie.tmdb_id}/")
    assert taste_version(user) == 2


# --- Age gating ---------------------------------------------------------------------------------------


def test_a_minor_cannot_favorite_an_adult_title_and_does_not_see_one(adult_movie):
    minor = UserFactory(date_of_birth=None)
    client = client_for(minor)
    FavoriteFactory(user=minor, movie=adult_movie)  # e.g. saved before the date of birth was corrected

    added = client.post(URL, {"tmdb_id": adult_movie.tmdb_id}, format="json")

    assert added.status_code == 404
    assert client.get(URL).json()["count"] == 0


def test_an_adult_can_favorite_an_adult_title(auth_client, user, adult_movie):
    assert user.is_adult

    assert auth_client.post(URL, {"tmdb_id": adult_movie.tmdb_id}, format="json").status_code == 201
    assert auth_client.get(URL).json()["count"] == 1


# --- Concurrency --------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises writers, so concurrent inserts cannot race (set DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_identical_adds_make_one_row():
    user = UserFactory()
    movie = MovieFactory()
    clients = [client_for(user) for _ in range(20)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def add(client):
        try:
            barrier.wait()
            statuses.append(client.post(URL, {"tmdb_id": movie.tmdb_id}, format="json").status_code)
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(statuses) == [200] * 19 + [201]
    assert Favorite.objects.filter(user=user, movie=movie).count() == 1
    assert taste_version(user) == 1


def test_tmdb_down_for_an_unmirrored_movie_is_a_503_with_retry_after(auth_client, user, monkeypatch):
    from movie_backend.exceptions import ServiceUnavailable

    def tmdb_down(*, tmdb_id):
        raise ServiceUnavailable("TMDb is unavailable.", retry_after=30)

    monkeypatch.setattr("users.services.movie_get_or_fetch", tmdb_down)

    response = auth_client.post(URL, {"tmdb_id": 4242}, format="json")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["status"] == "error"
    assert not Favorite.objects.exists()
