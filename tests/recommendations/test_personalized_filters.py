"""GET /api/users/me/recommendations/ with discover's filters: applied before the list is cut."""

from __future__ import annotations

import datetime

import pytest

from movies.models import MovieAvailability, WatchProvider
from tests.conftest import client_for
from tests.factories import GenreFactory, InteractionFactory, MovieFactory, UserFactory

URL = "/api/users/me/recommendations/"
DRAMA, COMEDY = 18, 35
NETFLIX = 8


@pytest.fixture
def shelf(db):
    """40 popular comedies (what an unfiltered list shows first) and 25 less popular French dramas of the
    nineties, 100 minutes long, on Netflix in GB."""
    drama, comedy = GenreFactory(tmdb_id=DRAMA, name="Drama"), GenreFactory(tmdb_id=COMEDY, name="Comedy")
    netflix = WatchProvider.objects.create(tmdb_id=NETFLIX, name="Netflix")
    for n in range(40):
        MovieFactory(tmdb_id=1000 + n, genres=[comedy], popularity=500 - n, vote_average=8, vote_count=5000,
                     release_date=datetime.date(2015, 1, 1), runtime=90, original_language="en")  # fmt: skip
    dramas = []
    for n in range(25):
        day = datetime.date(1995, 1, 1 + n)
        movie = MovieFactory(tmdb_id=2000 + n, genres=[drama], popularity=50 - n, vote_average=7, vote_count=800,
                             release_date=day, runtime=100, original_language="fr")  # fmt: skip
        MovieAvailability.objects.create(movie=movie, provider=netflix, region="GB", kind="flatrate")
        dramas.append(movie)
    return dramas


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize(
    "query",
    [
        {"with_genres": DRAMA},
        {"without_genres": COMEDY},
        {"primary_release_date.gte": "1990-01-01", "primary_release_date.lte": "1999-12-31"},
        {"with_original_language": "fr"},
        {"with_runtime.gte": 95, "with_runtime.lte": 120},
        {"with_watch_providers": NETFLIX, "watch_region": "GB"},
    ],
)
def test_a_filtered_page_is_full_and_every_item_matches(shelf, query):
    client = client_for(UserFactory())
    unfiltered = {m["tmdb_id"] for m in results(client.get(URL, {"limit": 20}))}

    page = results(client.get(URL, {**query, "limit": 20}))

    assert len(page) == 20
    assert {m["tmdb_id"] for m in page} <= {m.tmdb_id for m in shelf}
    assert not unfiltered & {m["tmdb_id"] for m in page}  # a different list, not the unfiltered one from the cache


def test_filtered_items_carry_their_genres(shelf):
    page = results(client_for(UserFactory()).get(URL, {"with_genres": DRAMA, "limit": 20}))

    assert all([g["id"] for g in m["genres"]] == [DRAMA] for m in page)


def test_exclude_watchlist(shelf):
    user = UserFactory()
    for movie in shelf[:3]:
        InteractionFactory(user=user, movie=movie, type="watchlist")
    client = client_for(user)

    kept = {m["tmdb_id"] for m in results(client.get(URL, {"with_genres": DRAMA, "limit": 50}))}
    dropped = {m["tmdb_id"] for m in results(client.get(URL, {"with_genres": DRAMA, "exclude_watchlist": "true"}))}

    watchlist = {m.tmdb_id for m in shelf[:3]}
    assert watchlist <= kept
    assert not watchlist & dropped
    assert len(dropped) == 20


def test_nothing_matching_is_an_empty_list(shelf):
    body = client_for(UserFactory()).get(URL, {"with_genres": DRAMA, "with_original_language": "ja"}).json()

    assert (body["count"], body["results"]) == (0, [])


@pytest.mark.parametrize(
    ("name", "value"), [("with_genres", "drama"), ("exclude_watchlist", "yes"), ("watch_region", "XX")]
)
def test_a_bad_filter_is_a_400_naming_it(shelf, name, value):
    response = client_for(UserFactory()).get(URL, {name: value})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [name]
