"""GET/POST /api/users/me/history/ and DELETE .../<id>/: plays that repeat, each marking its movie watched."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.users.conftest import taste_version
from users.models import Interaction, Play

URL = "/api/users/me/history/"
pytestmark = pytest.mark.django_db


def log(client, movie, **extra):
    return client.post(URL, {"tmdb_id": movie.tmdb_id, **extra}, format="json")


def test_a_play_is_logged_now_and_marks_the_movie_watched(auth_client, user, movie):
    before = timezone.now()
    version = taste_version(user)

    response = log(auth_client, movie)

    assert response.status_code == 201
    body = response.json()
    assert (body["tmdb_id"], body["movie"]["title"], body["source"], body["rewatch"]) == (
        movie.tmdb_id,
        movie.title,
        "manual",
        False,
    )
    assert datetime.datetime.fromisoformat(body["watched_at"]) >= before
    assert Interaction.objects.get(user=user, movie=movie).type == "watched"
    assert taste_version(user) == version + 1


def test_plays_repeat_and_are_listed_latest_first(auth_client, user, movie):
    first = log(auth_client, movie, watched_at="2024-05-01T21:30:00Z").json()
    second = log(auth_client, movie, watched_at="2025-01-02T20:00:00+01:00").json()

    listed = auth_client.get(URL).json()

    assert listed["count"] == 2
    assert [item["id"] for item in listed["results"]] == [second["id"], first["id"]]
    assert listed["results"][0]["watched_at"] == "2025-01-02T19:00:00Z"
    assert Interaction.objects.filter(user=user, movie=movie, type="watched").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"watched_at": "yesterday"}, "watched_at"),
        ({"watched_at": "2999-01-01T00:00:00Z"}, "watched_at"),
        ({"tmdb_id": 0}, "tmdb_id"),
    ],
)
def test_bad_plays_are_400s(auth_client, movie, body, field):
    response = auth_client.post(URL, {"tmdb_id": movie.tmdb_id, **body}, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Play.objects.exists()


def test_an_unknown_movie_is_404(auth_client):
    response = auth_client.post(URL, {"tmdb_id": 999_999}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_delete_a_play_keeps_the_movie_watched(auth_client, user, movie):
    play = log(auth_client, movie).json()

    assert auth_client.delete(f"{URL}{play['id']}/").status_code == 204
    assert not Play.objects.exists()
    assert Interaction.objects.filter(user=user, movie=movie, type="watched").exists()
    assert auth_client.delete(f"{URL}{play['id']}/").status_code == 404


def test_someone_elses_plays_are_not_mine(auth_client, other_client, movie):
    play = log(auth_client, movie).json()

    assert other_client.get(URL).json()["count"] == 0
    assert other_client.delete(f"{URL}{play['id']}/").status_code == 404
    assert Play.objects.count() == 1


def test_history_needs_a_token(api_client):
    assert api_client.get(URL).status_code == 401


def test_history_movies_carry_the_callers_user_state(auth_client, movie):
    logged = auth_client.post(URL, {"tmdb_id": movie.tmdb_id}, format="json").json()
    listed = auth_client.get(URL).json()["results"][0]

    for body in (logged, listed):
        assert body["movie"]["user_state"]["watched"] is True
        assert body["movie"]["user_state"]["favorite"] is False
