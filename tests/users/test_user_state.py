"""`user_state` on every movie a signed-in caller receives, for one query a page; never for anonymous callers,
and never in a page cached for everyone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from movies.models import Movie
from tests.conftest import client_for
from tests.factories import FavoriteFactory, GenreFactory, InteractionFactory, MovieFactory, UserFactory

pytestmark = pytest.mark.django_db

BLANK = {
    "favorite": False,
    "watchlist": False,
    "watched": False,
    "liked": False,
    "disliked": False,
    "not_interested": False,
    "rating": None,
}
RATED_FAVORITE = {**BLANK, "favorite": True, "watched": True, "rating": 4.5}
ON_WATCHLIST = {**BLANK, "watchlist": True}


@pytest.fixture
def movies(db):
    space = GenreFactory(tmdb_id=878, name="Science Fiction")
    return [
        MovieFactory(
            tmdb_id=100 + i,
            title=f"Space Story {i}",
            genres=[space],
            director="Ann Director",
            keywords=["space", "ship"],
            popularity=100 - i,
            vote_count=1000 + i,
            vote_average=7.0,
        )
        for i in range(6)
    ]


@pytest.fixture
def fan(movies):
    """A signed-in caller who sees what an anonymous caller sees (no date of birth: no adult titles)."""
    user = UserFactory(date_of_birth=None)
    FavoriteFactory(user=user, movie=movies[0])
    InteractionFactory(user=user, movie=movies[0], type="rated", rating=Decimal("4.5"))
    InteractionFactory(user=user, movie=movies[0], type="watched")
    InteractionFactory(user=user, movie=movies[1], type="watchlist")
    return user


EXPECTED = {100: RATED_FAVORITE, 101: ON_WATCHLIST}

PAGES = [
    "/api/movies/",
    "/api/movies/?category=top_rated&genre=878",
    "/api/movies/trending/",
    "/api/movies/search/?q=space",
    "/api/movies/105/similar/",
    "/api/recommendations/genre/878/",
]


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def assert_states(movies: list[dict]) -> None:
    assert movies
    for movie in movies:
        assert movie["user_state"] == EXPECTED.get(movie["tmdb_id"], BLANK), movie["tmdb_id"]


@pytest.mark.parametrize("url", PAGES)
def test_every_movie_of_a_list_carries_the_callers_state(fan, url):
    movies = results(client_for(fan).get(url))

    assert_states(movies)
    assert {100, 101} & {m["tmdb_id"] for m in movies}


@pytest.mark.parametrize("url", [*PAGES, "/api/movies/100/"])
def test_anonymous_callers_get_no_user_state(api_client, fan, url):
    body = api_client.get(url).json()

    assert "user_state" not in str(body)


def test_details_carry_it(fan):
    assert client_for(fan).get("/api/movies/100/").json()["user_state"] == RATED_FAVORITE
    assert client_for(fan).get("/api/movies/102/").json()["user_state"] == BLANK


def test_personalized_recommendations_carry_it(fan):
    movies = results(client_for(fan).get("/api/users/me/recommendations/"))

    assert_states(movies)


def test_natural_language_results_carry_it(api_client, fan):
    query = {"query": "space", "limit": 6}

    mine = client_for(fan).post("/api/recommend/", query, format="json").json()["results"]
    anonymous = api_client.post("/api/recommend/", query, format="json").json()["results"]

    assert_states(mine)
    assert all("user_state" not in m for m in anonymous)


def test_favorites_and_interactions_carry_it(fan):
    client = client_for(fan)

    favorites = results(client.get("/api/users/me/favorites/"))
    interactions = results(client.get("/api/users/me/interactions/"))
    added = client.post("/api/users/me/favorites/", {"tmdb_id": 101}, format="json").json()
    recorded = client.post("/api/users/me/interactions/", {"tmdb_id": 102, "type": "liked"}, format="json").json()

    assert [f["movie"]["user_state"] for f in favorites] == [RATED_FAVORITE]
    assert {i["tmdb_id"]: i["movie"]["user_state"] for i in interactions} == EXPECTED
    assert added["movie"]["user_state"] == {**ON_WATCHLIST, "favorite": True}
    assert recorded["movie"]["user_state"] == {**BLANK, "liked": True}


@pytest.mark.parametrize("first", ["anonymous", "signed-in"])
def test_a_cached_page_is_shared_without_anyones_state(api_client, fan, first):
    other = UserFactory(date_of_birth=None)
    InteractionFactory(user=other, movie=Movie.objects.get(tmdb_id=100), type="disliked")
    if first == "signed-in":
        results(client_for(fan).get("/api/movies/"))
    anonymous = api_client.get("/api/movies/")

    mine = results(client_for(fan).get("/api/movies/"))
    theirs = results(client_for(other).get("/api/movies/"))
    again = api_client.get("/api/movies/")

    assert "user_state" not in anonymous.content.decode()
    assert again.content == anonymous.content
    assert_states(mine)
    assert {m["tmdb_id"]: m["user_state"] for m in theirs}[100] == {**BLANK, "disliked": True}


def test_tmdb_backed_pages_carry_it_after_their_shared_cache(api_client, tmdb, movies):
    tmdb.set_list("trending_day", [30, 10, 20])
    assert "user_state" not in api_client.get("/api/movies/trending/").content.decode()  # mirrored and cached
    user = UserFactory(date_of_birth=None)
    FavoriteFactory(user=user, movie=Movie.objects.get(tmdb_id=10))

    trending = results(client_for(user).get("/api/movies/trending/"))

    assert {m["tmdb_id"]: m["user_state"]["favorite"] for m in trending} == {30: False, 10: True, 20: False}
    assert "user_state" not in api_client.get("/api/movies/trending/").content.decode()


def _queries(client, method: str, url: str, data=None) -> tuple[int, list[str]]:
    send = getattr(client, method)
    send(url, data, format="json")  # warm: caches, the recommendation index
    with CaptureQueriesContext(connection) as captured:
        assert send(url, data, format="json").status_code == 200
    return len(captured), [q["sql"] for q in captured.captured_queries]


def _forced(user) -> APIClient:
    """A signed-in client with no token to look up, so the difference is user_state alone. It still sends an
    Authorization header, as every signed-in client does: without one, the anonymous public cache answers."""
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_AUTHORIZATION="Bearer forced-in-tests")
    return client


def _state_queries(sqls: list[str]) -> int:
    return sum(1 for sql in sqls if "users_favorite" in sql and "users_interaction" in sql and "UNION" in sql)


@pytest.mark.parametrize("url", [*PAGES, "/api/movies/100/"])
def test_a_signed_in_page_costs_one_query_more_than_an_anonymous_one(fan, url):
    signed_in = _forced(fan)

    anonymous, _ = _queries(APIClient(), "get", url)
    if url == "/api/movies/100/":
        # A warm anonymous detail page comes whole from the public cache (no query at all); a signed-in one is
        # read from the mirror each time. Compare with the anonymous read from the mirror.
        cache.delete_pattern("*") if hasattr(cache, "delete_pattern") else cache.clear()  # this run's keys
        with CaptureQueriesContext(connection) as captured:
            assert APIClient().get(url).status_code == 200
        anonymous = len(captured)
    mine, sqls = _queries(signed_in, "get", url)

    assert mine - anonymous <= 1
    assert _state_queries(sqls) == 1


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/api/users/me/recommendations/", None),
        ("get", "/api/users/me/favorites/", None),
        ("get", "/api/users/me/interactions/", None),
        ("post", "/api/recommend/", {"query": "space", "limit": 6}),
    ],
)
def test_signed_in_only_pages_spend_one_query_on_it(fan, method, url, data):
    client = _forced(fan)

    _count, sqls = _queries(client, method, url, data)

    assert _state_queries(sqls) == 1
