"""Preferences: GET, PUT (replace), PATCH (some lists); ids checked; taste version on change."""

from __future__ import annotations

import pytest

from tests.conftest import client_for
from tests.factories import GenreFactory, MovieFactory, PreferenceFactory, UserFactory
from tests.users.conftest import taste_version
from users.models import Preference

URL = "/api/users/me/preferences/"
pytestmark = pytest.mark.django_db


def test_get_without_saved_preferences_answers_empty_lists(auth_client):
    response = auth_client.get(URL)

    assert response.status_code == 200
    assert response.json() == {"genres": [], "people": [], "movies": [], "updated_at": None}
    assert not Preference.objects.exists()


def test_put_replaces_everything(auth_client, user, movie):
    drama, comedy = GenreFactory(), GenreFactory()
    PreferenceFactory(user=user, genres=[comedy.tmdb_id], people=["Old Name"], movies=[])

    response = auth_client.put(
        URL,
        {
            "genres": [drama.tmdb_id, drama.tmdb_id],
            "people": [" Agnès Varda ", "Bong Joon-ho"],
            "movies": [movie.tmdb_id],
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["genres"] == [drama.tmdb_id]
    assert body["people"] == ["Agnès Varda", "Bong Joon-ho"]
    assert body["movies"] == [movie.tmdb_id]
    assert auth_client.get(URL).json()["genres"] == [drama.tmdb_id]
    assert Preference.objects.get(user=user).people == ["Agnès Varda", "Bong Joon-ho"]


def test_put_needs_all_three_lists(auth_client):
    response = auth_client.put(URL, {"genres": []}, format="json")

    assert response.status_code == 400
    assert {"people", "movies"} <= set(response.json()["errors"])


def test_patch_changes_only_what_is_sent(auth_client, user):
    genre = GenreFactory()
    PreferenceFactory(user=user, genres=[], people=["Kept"], movies=[])

    response = auth_client.patch(URL, {"genres": [genre.tmdb_id]}, format="json")

    assert response.status_code == 200
    assert response.json()["genres"] == [genre.tmdb_id]
    assert response.json()["people"] == ["Kept"]


def test_unknown_genre_and_movie_ids_are_named_in_a_400(auth_client, user):
    genre = GenreFactory()

    response = auth_client.put(
        URL, {"genres": [genre.tmdb_id, 424242], "people": [], "movies": [999_999_999]}, format="json"
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "424242" in errors["genres"][0]
    assert "999999999" in errors["movies"][0]
    assert not Preference.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"genres": ["abc"]},
        {"genres": "28"},
        {"people": [""]},
        {"people": ["x" * 201]},
        {"movies": [0]},
        {"movies": list(range(1, 60))},
    ],
)
def test_malformed_lists_are_a_400(auth_client, body):
    response = auth_client.patch(URL, body, format="json")

    assert response.status_code == 400
    assert set(body) <= set(response.json()["errors"])


def test_a_minor_cannot_prefer_an_adult_title(adult_movie):
    client = client_for(UserFactory(date_of_birth=None))

    response = client.patch(URL, {"movies": [adult_movie.tmdb_id]}, format="json")

    assert response.status_code == 400
    assert "movies" in response.json()["errors"]


def test_taste_version_moves_when_preferences_change_only(auth_client, user):
    genre = GenreFactory()
    auth_client.patch(URL, {"genres": [genre.tmdb_id]}, format="json")
    assert taste_version(user) == 1
    auth_client.patch(URL, {"genres": [genre.tmdb_id]}, format="json")  # same value
    assert taste_version(user) == 1
    auth_client.put(URL, {"genres": [], "people": ["Someone"], "movies": [MovieFactory().tmdb_id]}, format="json")
    assert taste_version(user) == 2
