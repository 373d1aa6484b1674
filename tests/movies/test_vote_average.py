"""No votes is not a zero rating: `vote_average` is null when `vote_count` is 0, in every movie shape."""

from __future__ import annotations

import pytest

from tests.factories import FavoriteFactory, GenreFactory, MovieFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unrated():
    drama = GenreFactory(tmdb_id=18, name="Drama")
    return MovieFactory(tmdb_id=155, title="The Dark Knight", vote_average=0.0, vote_count=0, genres=[drama])


def test_details_and_lists_say_null_for_an_unrated_movie(api_client, unrated):
    rated = MovieFactory(vote_average=0.0, vote_count=3)

    details = api_client.get("/api/movies/155/").json()
    listed = {m["tmdb_id"]: m for m in api_client.get("/api/movies/?category=popular").json()["results"]}
    genre = api_client.get("/api/recommendations/genre/18/").json()["results"]

    assert details["vote_average"] is None and details["vote_count"] == 0
    assert listed[155]["vote_average"] is None
    assert listed[rated.tmdb_id]["vote_average"] == 0.0  # voted, and rated zero
    assert genre[0]["tmdb_id"] == 155 and genre[0]["vote_average"] is None


def test_favorites_and_natural_language_results_say_null(auth_client, user, unrated):
    FavoriteFactory(user=user, movie=unrated)

    favorite = auth_client.get("/api/users/me/favorites/").json()["results"][0]
    recommended = auth_client.post("/api/recommend/", {"query": "the dark knight"}, format="json").json()

    assert favorite["movie"]["vote_average"] is None
    assert [m["vote_average"] for m in recommended["results"] if m["tmdb_id"] == 155] == [None]
