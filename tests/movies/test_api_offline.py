"""The movie endpoints with no TMDb key (the default): everything answers from the mirror."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from movie_backend import usage
from movies.models import MovieListEntry
from tests.conftest import client_for
from tests.factories import GenreFactory, MovieFactory, UserFactory

pytestmark = pytest.mark.django_db


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [m["tmdb_id"] for m in response.json()["results"]]


def _envelope(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"status", "code", "message", "errors"} and body["status"] == "error"
    if code:
        assert body["code"] == code
    return body


@pytest.fixture
def catalog():
    drama, scifi = GenreFactory(tmdb_id=18, name="Drama"), GenreFactory(tmdb_id=878, name="Science Fiction")
    today = timezone.localdate()
    return {
        "blockbuster": MovieFactory(
            tmdb_id=1, popularity=90, vote_average=7.9, vote_count=20000, genres=[scifi], poster_path="/a.jpg"
        ),
        "cult": MovieFactory(tmdb_id=2, popularity=10, vote_average=9.5, vote_count=3, genres=[drama]),
        "classic": MovieFactory(
            tmdb_id=3, popularity=40, vote_average=8.6, vote_count=15000, genres=[drama, scifi], release_date=None
        ),
        "recent": MovieFactory(
            tmdb_id=4, popularity=50, release_date=today - datetime.timedelta(days=3), genres=[drama]
        ),
        "coming": MovieFactory(tmdb_id=5, popularity=30, release_date=today + datetime.timedelta(days=10)),
        "later": MovieFactory(tmdb_id=6, popularity=60, release_date=today + datetime.timedelta(days=40)),
        "adult": MovieFactory(tmdb_id=7, popularity=99, adult=True),
    }


def test_popular_is_the_default_ordered_by_popularity_in_the_contract_shape(api_client, catalog):
    response = api_client.get("/api/movies/")

    assert _ids(response) == [1, 6, 4, 3, 5, 2]
    body = response.json()
    assert body["count"] == 6 and body["next"] is None and body["previous"] is None
    first = body["results"][0]
    assert set(first) >= {"tmdb_id", "title", "overview", "release_date", "genres", "popularity", "vote_average"}
    assert first["genres"] == [{"id": 878, "name": "Science Fiction"}]
    assert first["poster_url"].startswith("https://") and first["poster_url"].endswith("/a.jpg")
    assert body["results"][1]["poster_url"] is None


def test_top_rated_weighs_the_rating_by_the_number_of_votes(api_client, catalog):
    ids = _ids(api_client.get("/api/movies/?category=top_rated"))

    # 9.5 from 3 votes ranks below 8.6 from 15,000 and 7.9 from 20,000.
    assert ids.index(3) < ids.index(1) < ids.index(2)


def test_now_playing_and_upcoming_order_by_release_date(api_client, catalog):
    assert _ids(api_client.get("/api/movies/?category=now_playing"))[0] == 4
    assert _ids(api_client.get("/api/movies/?category=upcoming")) == [5, 6]


def test_a_synced_list_is_answered_in_its_tmdb_order(api_client, catalog):
    now = timezone.now()
    for rank, key in enumerate(["cult", "classic", "blockbuster"], start=1):
        MovieListEntry.objects.create(category="popular", movie=catalog[key], rank=rank, synced_at=now)

    assert _ids(api_client.get("/api/movies/?category=popular")) == [2, 3, 1]


def test_trending_uses_the_synced_trending_list_or_popularity(api_client, catalog):
    assert _ids(api_client.get("/api/movies/?category=trending"))[:2] == [1, 6]
    MovieListEntry.objects.create(category="trending_week", movie=catalog["cult"], rank=1, synced_at=timezone.now())

    assert _ids(api_client.get("/api/movies/trending/?window=week")) == [2]
    assert _ids(api_client.get("/api/movies/trending/?window=day")) == [2]  # the other window stands in


def test_genre_filter(api_client, catalog):
    assert _ids(api_client.get("/api/movies/?genre=878")) == [1, 3]
    assert _ids(api_client.get("/api/movies/?category=top_rated&genre=18"))[0] == 3


@pytest.mark.parametrize("genre", ["878", "Science Fiction", "science fiction", "SCIENCE FICTION", "Science Fíction"])
def test_a_genre_is_named_by_id_or_by_name_ignoring_case_and_accents(api_client, catalog, genre):
    assert _ids(api_client.get("/api/movies/", {"genre": genre})) == [1, 3]


@pytest.mark.parametrize("genre", ["99999", "westerns", "0"])
def test_an_unknown_genre_is_a_400_naming_genre(api_client, catalog, genre):
    body = _envelope(api_client.get("/api/movies/", {"genre": genre}), 400, "invalid")

    assert list(body["errors"]) == ["genre"]
    assert genre in body["message"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("category=blockbusters", "category"),
        ("genre=horror", "genre"),
        ("genre=", "genre"),
        ("genre=0", "genre"),
        ("limit=abc", "limit"),
        ("page=0", "page"),
        ("limit=101", "limit"),
    ],
)
def test_bad_list_parameters_are_a_400_envelope(api_client, catalog, query, field):
    body = _envelope(api_client.get(f"/api/movies/?{query}"), 400, "invalid")

    assert field in body["errors"]


def test_a_page_past_the_end_is_a_404_envelope(api_client, catalog):
    _envelope(api_client.get("/api/movies/?page=9"), 404)


def test_pagination_links(api_client, catalog):
    body = api_client.get("/api/movies/?limit=2&page=2").json()

    assert body["count"] == 6 and len(body["results"]) == 2
    assert "page=3" in body["next"] and "limit=2" in body["next"]


def test_adult_titles_only_for_adults(api_client, catalog):
    adult = UserFactory(date_of_birth=datetime.date(1980, 1, 1))
    minor = UserFactory(date_of_birth=timezone.localdate() - datetime.timedelta(days=365 * 15))

    assert 7 not in _ids(api_client.get("/api/movies/"))
    assert 7 not in _ids(client_for(minor).get("/api/movies/"))
    assert _ids(client_for(adult).get("/api/movies/"))[0] == 7
    # The cache keeps the two audiences apart.
    assert 7 not in _ids(api_client.get("/api/movies/"))
    _envelope(api_client.get("/api/movies/7/"), 404)
    assert client_for(adult).get("/api/movies/7/").status_code == 200


@pytest.mark.parametrize("limit", [1, 20, 100])
def test_a_list_request_costs_at_most_five_queries_whatever_the_page_size(
    api_client, django_assert_max_num_queries, limit
):
    genres = [GenreFactory() for _ in range(3)]
    for _ in range(120):
        MovieFactory(genres=genres)

    with django_assert_max_num_queries(5):
        response = api_client.get(f"/api/movies/?category=top_rated&limit={limit}&genre={genres[0].tmdb_id}")
    assert len(response.json()["results"]) == limit


def test_an_authenticated_list_request_costs_at_most_six_queries(user, django_assert_max_num_queries):
    for _ in range(30):
        MovieFactory(genres=[GenreFactory()])
    client = client_for(user)

    # the five of any list request, and the caller's user_state of the page
    with django_assert_max_num_queries(6):
        assert client.get("/api/movies/?limit=30").status_code == 200


def test_a_cached_list_page_is_served_without_touching_the_database(api_client, catalog, django_assert_num_queries):
    first = api_client.get("/api/movies/?category=top_rated")

    with django_assert_num_queries(0):
        second = api_client.get("/api/movies/?category=top_rated")

    assert second.content == first.content
    assert second["Content-Type"] == "application/json"


def test_search_the_mirror_by_title_words_and_year(api_client):
    MovieFactory(tmdb_id=10, title="The Empire Strikes Back", release_date=datetime.date(1980, 5, 21), popularity=5)
    MovieFactory(tmdb_id=11, title="Empire of the Sun", release_date=datetime.date(1987, 12, 9), popularity=9)
    MovieFactory(tmdb_id=12, title="Alien")

    response = api_client.get("/api/movies/search/?q=empire")

    assert _ids(response) == [11, 10]
    assert response["X-Search-Source"] == "mirror"
    assert _ids(api_client.get("/api/movies/search/?q=empire&year=1980")) == [10]
    assert _ids(api_client.get("/api/movies/search/?q=EMPIRE strikes")) == [10]
    assert _ids(api_client.get("/api/movies/search/?q=zzz")) == []


@pytest.mark.parametrize("query", ["", "q=", "q=%20%20", "q=alien&year=abc", "q=alien&year=1200"])
def test_search_needs_q_and_a_valid_year(api_client, query):
    _envelope(api_client.get(f"/api/movies/search/?{query}"), 400, "invalid")


def test_details_from_the_mirror(api_client):
    genre = GenreFactory(tmdb_id=18, name="Drama")
    MovieFactory(
        tmdb_id=603,
        title="The Matrix",
        runtime=136,
        director="Lana Wachowski, Lilly Wachowski",
        cast=["Keanu Reeves", "Carrie-Anne Moss"],
        keywords=["simulation"],
        poster_path="/p.jpg",
        backdrop_path="/b.jpg",
        genres=[genre],
    )

    body = api_client.get("/api/movies/603/").json()

    assert body["title"] == "The Matrix" and body["runtime"] == 136
    assert body["director"].startswith("Lana") and body["cast"][0] == "Keanu Reeves"
    assert body["keywords"] == ["simulation"] and body["genres"] == [{"id": 18, "name": "Drama"}]
    assert body["images"]["poster"].endswith("/w500/p.jpg") and body["backdrop_url"].endswith("/w1280/b.jpg")


def test_unknown_movie_is_a_404_envelope(api_client, fake_tmdb):
    _envelope(api_client.get("/api/movies/424242/"), 404, "not_found")
    _envelope(api_client.get("/api/movies/424242/recommendations/"), 404, "not_found")
    assert fake_tmdb.calls() == []


def test_recommendations_without_tmdb_share_genres(api_client, catalog):
    ids = _ids(api_client.get("/api/movies/3/recommendations/"))

    assert 3 not in ids and set(ids) == {1, 2, 4}


def test_genres_are_listed_by_name_and_paginated(api_client):
    GenreFactory(tmdb_id=878, name="Science Fiction")
    GenreFactory(tmdb_id=28, name="Action")

    body = api_client.get("/api/genres/").json()

    assert body["count"] == 2
    assert body["results"] == [{"id": 28, "name": "Action"}, {"id": 878, "name": "Science Fiction"}]


def test_an_empty_catalog_answers_empty_lists_not_errors(api_client):
    for path in ["/api/movies/", "/api/movies/?category=upcoming", "/api/movies/trending/", "/api/genres/"]:
        assert _ids(api_client.get(path)) == [] if "genres" not in path else api_client.get(path).status_code == 200


def test_nothing_calls_tmdb_without_a_key(api_client, catalog, fake_tmdb, settings):
    settings.TMDB_API_BASE_URL = fake_tmdb.base_url
    for path in [
        "/api/movies/",
        "/api/movies/trending/",
        "/api/movies/search/?q=movie",
        "/api/movies/1/",
        "/api/movies/1/recommendations/",
        "/api/genres/",
    ]:
        assert api_client.get(path).status_code == 200, path

    assert fake_tmdb.calls() == []


@pytest.fixture
def local_tier(settings):
    from movies import cache as movie_cache

    settings.CACHE_LOCAL_SECONDS = 60
    movie_cache.local_clear()
    yield movie_cache
    usage.flush()
    movie_cache.local_clear()


def test_a_hot_page_is_kept_in_process_until_the_catalog_changes(api_client, local_tier, monkeypatch):

    monkeypatch.setattr(local_tier, "VERSION_MEMO_SECONDS", 60)  # however slow this machine is
    MovieFactory(tmdb_id=1, popularity=5)
    first = api_client.get("/api/movies/")
    MovieFactory(tmdb_id=2, popularity=9)
    before = usage.counters_for()
    shared_reads = []
    real_cache = local_tier.cache

    class Spy:
        def __getattr__(self, name):
            if name in ("get", "get_many"):
                shared_reads.append(name)
            return getattr(real_cache, name)

    monkeypatch.setattr(local_tier, "cache", Spy())
    again = api_client.get("/api/movies/")
    monkeypatch.undo()
    usage.flush()

    assert again.content == first.content
    assert shared_reads == []  # served from this process: no round trip to the shared cache
    assert usage.counters_for().get("cache.hit.http", 0) - before.get("cache.hit.http", 0) == 1

    local_tier.catalog_changed()  # what every sync calls
    assert _ids(api_client.get("/api/movies/")) == [2, 1]


@pytest.mark.parametrize("query", ["genre=%C2%B2", "genre=99999999999", "limit=%C2%B2", "page=-1", "genre=1.5"])
def test_odd_numbers_are_a_400_or_an_answer_never_a_500(api_client, catalog, query):
    response = api_client.get(f"/api/movies/?{query}")

    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json()["code"] == "invalid"


def test_equivalent_parameters_share_the_answer(api_client, catalog):
    assert _ids(api_client.get("/api/movies/?limit=2&page=1")) == _ids(api_client.get("/api/movies/?limit=02"))


def _counts(queries) -> int:
    return sum("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_the_pages_of_a_list_share_one_count_until_the_catalog_changes(api_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from movies import cache as movie_cache

    for i in range(5):
        MovieFactory(tmdb_id=100 + i, popularity=50 - i)
    with CaptureQueriesContext(connection) as first:
        assert api_client.get("/api/movies/?limit=2").json()["count"] == 5
    with CaptureQueriesContext(connection) as second:
        assert _ids(api_client.get("/api/movies/?limit=2&page=2")) == [102, 103]
    MovieFactory(tmdb_id=200, popularity=1)
    movie_cache.catalog_changed()  # what every write to the mirror calls
    with CaptureQueriesContext(connection) as third:
        assert api_client.get("/api/movies/?limit=2&page=3").json()["count"] == 6

    assert (_counts(first), _counts(second), _counts(third)) == (1, 0, 1)
