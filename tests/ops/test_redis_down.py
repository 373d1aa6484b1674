"""Redis down: reads come from the database, readiness says which dependency is gone, nothing answers 500.

Every Redis user in the service is covered: the cache (django-redis, IGNORE_EXCEPTIONS), the throttles'
counters, the usage counters, the TMDb rate limiter and circuit breaker.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from movie_backend import usage
from movie_backend.throttling import AnonThrottle, ScopedThrottle
from movies.tmdb import default_breaker, default_rate_limiter
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_movie_lists_and_details_are_answered_from_the_database(redis_down, catalog):
    client = APIClient()

    listing = client.get("/api/movies/", {"limit": 5})
    assert listing.status_code == 200
    assert listing.json()["count"] > 0 and len(listing.json()["results"]) == 5

    detail = client.get("/api/movies/603/")
    assert detail.status_code == 200
    assert detail.json()["title"] == "The Matrix"

    assert client.get("/api/genres/").status_code == 200
    assert client.get("/api/movies/search/", {"q": "matrix"}).status_code == 200


def test_similar_movies_are_answered_without_the_cache(redis_down, catalog):
    response = APIClient().get("/api/movies/603/similar/")

    assert response.status_code == 200
    ids = [m["tmdb_id"] for m in response.json()["results"]]
    assert {604, 605} <= set(ids) and 603 not in ids


def test_readiness_is_503_and_names_redis(redis_down):
    response = APIClient().get("/health/ready/")

    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    body = response.json()
    assert body["status"] == "error" and body["code"] == "not_ready"
    assert body["errors"] == {"database": "ok", "cache": "unavailable"}
    assert body["message"] == "Not ready: cache (redis) unavailable."


def test_liveness_stays_200(redis_down):
    assert APIClient().get("/health/").status_code == 200


def test_throttles_fail_open_rather_than_refuse_or_crash(redis_down, catalog, monkeypatch):
    # With a budget of one request, a working counter would refuse the second; a dead one lets both through.
    monkeypatch.setattr(AnonThrottle, "THROTTLE_RATES", {"anon": "1/min"})
    monkeypatch.setattr(ScopedThrottle, "THROTTLE_RATES", {"recommend": "1/min", "login": "1/min"})
    client = APIClient()

    assert [client.get("/api/genres/").status_code for _ in range(3)] == [200, 200, 200]
    assert [client.post("/api/recommend/", {"query": "space"}, format="json").status_code for _ in range(2)] == [
        200,
        200,
    ]


def test_accounts_work_without_redis(redis_down, catalog):
    client = APIClient()
    registered = client.post(
        "/api/auth/register/", {"email": "drill@example.com", "password": "a-Long-passw0rd!", "name": "D"}
    )
    assert registered.status_code == 201
    wrong = client.post("/api/auth/login/", {"email": "drill@example.com", "password": "wrong"})
    assert wrong.status_code == 401 and wrong.json()["status"] == "error"
    tokens = client.post("/api/auth/login/", {"email": "drill@example.com", "password": "a-Long-passw0rd!"})
    assert tokens.status_code == 200
    refreshed = client.post("/api/auth/refresh/", {"refresh": tokens.json()["refresh"]})
    assert refreshed.status_code == 200

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    assert client.post("/api/users/me/favorites/", {"tmdb_id": 603}).status_code == 201
    assert client.get("/api/users/me/favorites/").json()["count"] == 1
    assert client.get("/api/users/me/recommendations/").status_code == 200


def test_usage_counting_is_best_effort_and_the_report_still_answers(redis_down):
    usage.count("tmdb.calls.trending.ok")  # must not raise

    response = client_for(UserFactory(is_staff=True)).get("/api/admin/usage/")

    assert response.status_code == 200


def test_the_tmdb_rate_limiter_limits_per_process_when_redis_is_down(redis_down, settings):
    settings.TMDB_RATE_LIMIT = 2
    limiter = default_rate_limiter()

    waits = [limiter.try_acquire() for _ in range(3)]

    assert waits[:2] == [0.0, 0.0]  # the local bucket still hands out its tokens
    assert waits[2] > 0  # and still refuses past them


def test_tmdb_is_still_called_and_mirrored_when_redis_is_down(redis_down, tmdb):
    tmdb.set_list("trending_day", [11, 12])

    response = APIClient().get("/api/movies/trending/")

    assert response.status_code == 200
    assert [m["tmdb_id"] for m in response.json()["results"]] == [11, 12]
    assert len(tmdb.calls("/trending")) == 1


def test_tmdb_down_and_redis_down_is_a_503_envelope_not_a_500(redis_down, tmdb):
    tmdb.fail("/", status=503)

    for _ in range(3):  # enough failures to reach the circuit breaker's bookkeeping
        response = APIClient().get("/api/movies/trending/")
        assert response.status_code == 503
        assert response.json()["code"] == "upstream_unavailable"
        assert int(response["Retry-After"]) >= 1

    assert default_breaker().open_for() == 0.0  # no shared state to read: the breaker stays closed
