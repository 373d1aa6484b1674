"""GET /api/movies/discover/: TMDb's discover parameters over the mirror."""

from __future__ import annotations

import datetime

import pytest

from movies.models import Credit, Keyword, Movie, MovieAvailability, MovieKeyword, Person, WatchProvider
from tests.conftest import client_for
from tests.factories import GenreFactory, MovieFactory, UserFactory

URL = "/api/movies/discover/"
ACTION, ADVENTURE, DRAMA, HORROR = 28, 12, 18, 27
NOLAN, DICAPRIO, HARDY = 525, 6193, 2524
HEIST, DREAM = 10051, 9882
NETFLIX, PRIME = 8, 119


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [m["tmdb_id"] for m in response.json()["results"]]


def envelope(response, name: str) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["status"], body["code"]) == ("error", "invalid")
    assert list(body["errors"]) == [name]
    return body


@pytest.fixture
def graph(db):
    genre = {gid: GenreFactory(tmdb_id=gid, name=f"G{gid}") for gid in (ACTION, ADVENTURE, DRAMA, HORROR)}
    person = {pid: Person.objects.create(tmdb_id=pid, name=f"P{pid}") for pid in (NOLAN, DICAPRIO, HARDY)}
    keyword = {
        HEIST: Keyword.objects.create(tmdb_id=HEIST, name="heist"),
        DREAM: Keyword.objects.create(tmdb_id=DREAM, name="dream"),
    }
    provider = {pid: WatchProvider.objects.create(tmdb_id=pid, name=f"W{pid}") for pid in (NETFLIX, PRIME)}

    def movie(tmdb_id, genres, *, cast=(), crew=(), keywords=(), watch=(), **fields):
        m = MovieFactory(tmdb_id=tmdb_id, title=f"T{tmdb_id}", genres=[genre[g] for g in genres], **fields)
        for pid in cast:
            Credit.objects.create(movie=m, person=person[pid], kind="cast", character="x")
        for pid in crew:
            Credit.objects.create(movie=m, person=person[pid], kind="crew", job="Director")
        for order, kid in enumerate(keywords):
            MovieKeyword.objects.create(movie=m, keyword=keyword[kid], order=order)
        for pid, region in watch:
            MovieAvailability.objects.create(movie=m, provider=provider[pid], region=region, kind="flatrate")
        return m

    d = datetime.date
    movie(1, [ACTION, ADVENTURE], cast=[DICAPRIO], crew=[NOLAN], keywords=[DREAM, HEIST], watch=[(NETFLIX, "US")],
          popularity=90, vote_average=8.8, vote_count=30000, release_date=d(2010, 7, 16), runtime=148,
          revenue=800_000_000, original_language="en")  # fmt: skip
    movie(2, [ACTION], cast=[HARDY], crew=[NOLAN], keywords=[HEIST], watch=[(PRIME, "GB")],
          popularity=70, vote_average=7.8, vote_count=9000, release_date=d(2017, 7, 19), runtime=106,
          revenue=500_000_000, original_language="en")  # fmt: skip
    movie(3, [DRAMA], cast=[DICAPRIO, HARDY], watch=[(NETFLIX, "GB"), (PRIME, "US")],
          popularity=50, vote_average=7.5, vote_count=12000, release_date=d(2015, 12, 25), runtime=156,
          revenue=None, original_language="en")  # fmt: skip
    movie(4, [HORROR, DRAMA], keywords=[DREAM], popularity=30, vote_average=6.0, vote_count=300,
          release_date=d(1999, 3, 1), runtime=88, revenue=1_000_000, original_language="fr")  # fmt: skip
    movie(5, [ADVENTURE], popularity=30, vote_average=0, vote_count=0, release_date=None, runtime=None,
          original_language="ja")  # fmt: skip
    movie(6, [DRAMA], popularity=99, adult=True, release_date=d(2001, 1, 1))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [1, 2, 3, 4, 5]),
        ("with_genres=28,12", [1]),
        ("with_genres=28|12", [1, 2, 5]),
        ("with_genres=28,12|18", [1]),
        ("with_genres=18,28|27", [4]),
        ("without_genres=27,12", [2, 3]),
        ("without_genres=27|12", [2, 3]),
        (f"with_people={NOLAN}", [1, 2]),
        (f"with_people={DICAPRIO},{HARDY}", [3]),
        (f"with_people={DICAPRIO}|{HARDY}", [1, 2, 3]),
        (f"with_cast={NOLAN}", []),
        (f"with_crew={NOLAN}&with_cast={DICAPRIO}", [1]),
        (f"with_keywords={HEIST}", [1, 2]),
        ("with_keywords=heist,DREAM", [1]),
        (f"with_keywords=heist|{DREAM}", [1, 2, 4]),
        (f"without_keywords={DREAM}", [2, 3, 5]),
        (f"with_watch_providers={NETFLIX}", [1]),
        (f"with_watch_providers={NETFLIX}|{PRIME}", [1, 3]),
        (f"with_watch_providers={NETFLIX}&watch_region=gb", [3]),
        (f"with_watch_providers={NETFLIX},{PRIME}&watch_region=GB", []),
        ("with_original_language=FR", [4]),
        ("primary_release_year=2015", [3]),
        ("primary_release_date.gte=2010-07-16&primary_release_date.lte=2016-01-01", [1, 3]),
        ("vote_average.gte=7.8", [1, 2]),
        ("vote_average.lte=7.5&vote_count.gte=1", [3, 4]),
        ("vote_count.gte=10000", [1, 3]),
        ("with_runtime.gte=100&with_runtime.lte=150", [1, 2]),
        ("sort_by=vote_average.desc", [1, 2, 3, 4, 5]),
        ("sort_by=vote_count.asc", [5, 4, 2, 3, 1]),
        ("sort_by=primary_release_date.desc", [2, 3, 1, 4, 5]),
        ("sort_by=primary_release_date.asc", [4, 1, 3, 2, 5]),
        ("sort_by=title.desc", [5, 4, 3, 2, 1]),
        ("sort_by=revenue.desc", [1, 2, 4, 3, 5]),
        ("sort_by=popularity.asc", [4, 5, 3, 2, 1]),
        ("include_adult=true", [1, 2, 3, 4, 5]),
        ("unknown_param=whatever", [1, 2, 3, 4, 5]),
    ],
)
def test_filters_and_sorts(api_client, graph, query, expected):
    assert ids(api_client.get(f"{URL}?{query}")) == expected


def test_items_are_movie_summaries_and_the_page_is_paginated(api_client, graph):
    body = api_client.get(URL, {"with_genres": DRAMA, "limit": 1, "page": 2}).json()

    assert body["count"] == 2
    assert [m["tmdb_id"] for m in body["results"]] == [4]
    item = body["results"][0]
    assert set(item) >= {"tmdb_id", "title", "genres", "popularity", "vote_average", "poster_url"}
    assert {g["id"] for g in item["genres"]} == {HORROR, DRAMA}


def test_local_person_ids_work_as_well(api_client, graph):
    MovieFactory(tmdb_id=7, director="Jane Localname", popularity=1)
    local = Person.objects.get(name="Jane Localname").local_id

    assert ids(api_client.get(URL, {"with_crew": local})) == [7]


def test_adult_titles_only_for_a_signed_in_adult_who_asks(api_client, graph):
    adult = client_for(UserFactory(date_of_birth=datetime.date(1980, 1, 1)))
    minor = client_for(UserFactory(date_of_birth=datetime.date.today() - datetime.timedelta(days=365 * 15)))

    assert ids(adult.get(URL, {"include_adult": "true"}))[0] == 6
    assert 6 not in ids(adult.get(URL))
    assert 6 not in ids(minor.get(URL, {"include_adult": "true"}))
    assert 6 not in ids(api_client.get(URL, {"include_adult": "true"}))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("sort_by", "foo"),
        ("sort_by", "popularity"),
        ("with_genres", "abc"),
        ("with_genres", "28,,12"),
        ("with_people", "-3"),
        ("with_keywords", "heist||dream"),
        ("primary_release_date.gte", "2020-13-01"),
        ("primary_release_date.lte", "2020-1-1"),
        ("primary_release_year", "99999"),
        ("vote_average.gte", "11"),
        ("vote_count.gte", "1.5"),
        ("with_runtime.lte", "long"),
        ("with_original_language", "eng"),
        ("watch_region", "ZZ"),
        ("include_adult", "maybe"),
    ],
)
def test_a_bad_value_is_a_400_naming_the_parameter(api_client, graph, name, value):
    body = envelope(api_client.get(URL, {name: value}), name)

    assert body["errors"][name][0]


def test_every_bad_parameter_is_named(api_client, graph):
    response = api_client.get(URL, {"sort_by": "x", "with_genres": "y", "page": "1"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"sort_by", "with_genres"}


def test_discover_never_calls_tmdb(api_client, graph, tmdb):
    assert ids(api_client.get(URL, {"with_genres": ACTION})) == [1, 2]
    assert tmdb.requests == []


def test_a_page_with_every_filter_costs_at_most_five_queries(api_client, graph, django_assert_max_num_queries):
    query = {
        "with_genres": f"{ACTION},{ADVENTURE}|{DRAMA}",
        "without_genres": HORROR,
        "with_people": f"{NOLAN}|{HARDY}",
        "with_cast": DICAPRIO,
        "with_crew": NOLAN,
        "with_keywords": f"heist,{DREAM}",
        "without_keywords": "romance",
        "with_watch_providers": f"{NETFLIX}|{PRIME}",
        "watch_region": "US",
        "with_original_language": "en",
        "primary_release_year": 2010,
        "primary_release_date.gte": "2000-01-01",
        "primary_release_date.lte": "2020-12-31",
        "vote_average.gte": 5,
        "vote_average.lte": 10,
        "vote_count.gte": 10,
        "with_runtime.gte": 60,
        "with_runtime.lte": 200,
        "include_adult": "true",
        "sort_by": "revenue.desc",
    }
    with django_assert_max_num_queries(5):
        assert ids(api_client.get(URL, query)) == [1]


def test_a_signed_in_caller_sees_user_state_and_an_anonymous_one_does_not(api_client, graph):
    signed_in = client_for(UserFactory()).get("/api/movies/discover/").json()["results"]
    anonymous = api_client.get("/api/movies/discover/").json()["results"]

    assert signed_in and all(item["user_state"]["favorite"] is False for item in signed_in)
    assert anonymous and all("user_state" not in item for item in anonymous)


def test_the_count_stops_at_mirror_count_max_and_so_do_the_pages(api_client, graph, settings):
    settings.MIRROR_COUNT_MAX = 3

    body = api_client.get(URL, {"limit": 2, "page": 2}).json()

    assert Movie.objects.filter(adult=False).count() > 3
    assert body["count"] == 3
    assert len(body["results"]) == 1 and body["next"] is None
    assert api_client.get(URL, {"limit": 2, "page": 3}).status_code == 404
