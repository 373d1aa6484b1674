"""HTTP caching of the public movie GETs: ETag, Cache-Control, Vary, 304s, and warm anonymous answers."""

from __future__ import annotations

import pytest

from movie_backend import throttling, usage
from movies import cache as movie_cache
from movies.models import Collection
from tests.conftest import client_for
from tests.factories import GenreFactory, MovieFactory, UserFactory

pytestmark = pytest.mark.django_db

# Each public GET and the setting holding its data's TTL.
PUBLIC_GETS = [
    ("/api/movies/?category=popular&limit=20", "CACHE_TTL_LISTS"),
    ("/api/movies/?genre=878", "CACHE_TTL_LISTS"),
    ("/api/movies/trending/?window=week", "CACHE_TTL_LISTS"),
    ("/api/movies/search/?q=matrix", "CACHE_TTL_SEARCH"),
    ("/api/movies/603/", "CACHE_TTL_DETAILS"),
    ("/api/movies/603/recommendations/", "CACHE_TTL_DETAILS"),
    ("/api/genres/", "CACHE_TTL_LISTS"),
    ("/api/movies/discover/?with_genres=878&sort_by=vote_average.desc", "CACHE_TTL_LISTS"),
    ("/api/search/?q=matrix", "CACHE_TTL_SEARCH"),
    ("/api/people/search/?q=keanu", "CACHE_TTL_SEARCH"),
    ("/api/collections/2344/", "CACHE_TTL_DETAILS"),
    ("/api/watch-providers/?region=GB", "CACHE_TTL_LISTS"),
]


@pytest.fixture(autouse=True)
def catalog():
    scifi = GenreFactory(tmdb_id=878, name="Science Fiction")
    matrix = Collection.objects.create(tmdb_id=2344, name="The Matrix Collection")
    MovieFactory(tmdb_id=603, title="The Matrix", popularity=80, genres=[scifi], collection=matrix, cast=["Keanu"])
    MovieFactory(tmdb_id=604, title="The Matrix Reloaded", popularity=50, genres=[scifi])
    MovieFactory(tmdb_id=7, title="Adults Only", popularity=99, adult=True, genres=[scifi])


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",")}


@pytest.mark.parametrize(("path", "ttl_setting"), PUBLIC_GETS)
def test_an_anonymous_answer_is_public_for_the_datas_ttl_with_a_strong_etag(api_client, settings, path, ttl_setting):
    response = api_client.get(path)

    assert response.status_code == 200
    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 10  # strong: no W/ prefix
    assert response["Cache-Control"] == f"public, max-age={getattr(settings, ttl_setting)}"
    assert "authorization" in _vary(response)


@pytest.mark.parametrize(("path", "ttl_setting"), PUBLIC_GETS)
def test_if_none_match_with_the_current_etag_answers_304_without_a_query(
    api_client, django_assert_num_queries, path, ttl_setting
):
    first = api_client.get(path)

    with django_assert_num_queries(0):
        again = api_client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"] and again["Cache-Control"] == first["Cache-Control"]
    assert "authorization" in _vary(again)


def test_a_warm_anonymous_page_is_the_same_bytes_and_headers_without_a_query(api_client, django_assert_num_queries):
    first = api_client.get("/api/movies/search/?q=matrix")

    with django_assert_num_queries(0):
        again = api_client.get("/api/movies/search/?q=matrix")

    assert again.status_code == 200 and again.content == first.content
    for header in ("ETag", "Content-Type", "Cache-Control", "X-Search-Source", "X-Content-Type-Options"):
        assert again[header] == first[header], header
    assert int(again["Age"]) >= 0


def test_an_old_or_foreign_etag_gets_the_full_answer(api_client):
    first = api_client.get("/api/movies/")

    for tag in ['"not-this-one"', 'W/"nope"', "garbage"]:
        response = api_client.get("/api/movies/", HTTP_IF_NONE_MATCH=tag)
        assert response.status_code == 200 and response.content == first.content, tag
    # A list of tags, or the weak form of the current one, matches (If-None-Match compares weakly).
    assert api_client.get("/api/movies/", HTTP_IF_NONE_MATCH=f'"x", {first["ETag"]}').status_code == 304
    assert api_client.get("/api/movies/", HTTP_IF_NONE_MATCH=f"W/{first['ETag']}").status_code == 304


def test_a_caller_with_a_token_gets_a_private_answer_and_still_304s(user):
    client = client_for(user)
    first = client.get("/api/movies/603/")

    assert first.status_code == 200
    assert first["Cache-Control"] == "private, no-cache"
    assert "authorization" in _vary(first)
    again = client.get("/api/movies/603/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_the_kept_anonymous_answer_never_reaches_a_signed_in_adult(api_client):
    adult = client_for(UserFactory(date_of_birth="1970-01-01"))

    anonymous = api_client.get("/api/movies/")
    signed_in = adult.get("/api/movies/")

    assert 7 not in [m["tmdb_id"] for m in anonymous.json()["results"]]
    assert signed_in.json()["results"][0]["tmdb_id"] == 7
    assert signed_in["ETag"] != anonymous["ETag"]
    # An anonymous ETag is no validator for the adult's own page.
    assert adult.get("/api/movies/", HTTP_IF_NONE_MATCH=anonymous["ETag"]).status_code == 200


def test_a_catalog_change_retires_the_kept_answer_and_its_etag(api_client, settings):
    settings.CACHE_LOCAL_SECONDS = 0
    first = api_client.get("/api/movies/")
    MovieFactory(tmdb_id=900, title="Brand New", popularity=95)

    assert api_client.get("/api/movies/").content == first.content  # still the kept answer
    movie_cache.catalog_changed()  # what every sync calls
    after = api_client.get("/api/movies/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    assert after.json()["results"][0]["tmdb_id"] == 900


def test_warm_answers_are_still_counted_by_the_anonymous_throttle(api_client, monkeypatch):
    monkeypatch.setattr(throttling.FixedWindowThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "100/min"})
    statuses = [api_client.get("/api/movies/").status_code for _ in range(3)]
    first = api_client.get("/api/movies/", REMOTE_ADDR="10.9.9.9")

    throttled = api_client.get("/api/movies/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429
    body = throttled.json()
    assert body["status"] == "error" and body["code"] == "throttled"
    assert int(throttled["Retry-After"]) >= 1


def test_query_strings_with_unknown_parameters_are_answered_but_never_kept(api_client):
    before = usage.counters_for()
    for _ in range(2):
        response = api_client.get("/api/movies/?utm_source=x")
        assert response.status_code == 200 and response["ETag"]
    usage.flush()

    assert usage.counters_for().get("cache.hit.http", 0) == before.get("cache.hit.http", 0)


def test_errors_are_not_kept_and_carry_no_etag(api_client):
    for _ in range(2):
        response = api_client.get("/api/movies/?category=nope")
        assert response.status_code == 400 and "ETag" not in response
    for _ in range(2):
        response = api_client.get("/api/movies/424242/")
        assert response.status_code == 404 and "ETag" not in response


def test_head_carries_the_same_validators_as_get(api_client):
    get = api_client.get("/api/movies/603/")
    head = api_client.head("/api/movies/603/")

    assert head.status_code == 200
    assert head["ETag"] == get["ETag"] and head["Cache-Control"] == get["Cache-Control"]
    assert api_client.head("/api/movies/603/", HTTP_IF_NONE_MATCH=get["ETag"]).status_code == 304
