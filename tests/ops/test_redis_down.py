"""Redis down: reads come from the database, readiness says which dependency is gone, nothing answers 500.

Every Redis user in the service is covered: the cache (django-redis, IGNORE_EXCEPTIONS), the throttles'
counters, the usage counters, the TMDb rate limiter and circuit breaker, and Celery's broker (the index
rebuild that a sync or a stale index queues).
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from movie_backend import usage
from movie_backend.throttling import AnonThrottle, ScopedThrottle
from movies.models import MovieListEntry
from movies.tmdb import default_breaker, default_rate_limiter
from recommendations.models import RecommendationIndex
from recommendations.services import recommendation_index_build
from tests.conftest import client_for
from tests.factories import FavoriteFactory, MovieFactory, UserFactory

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


# Transactional: the rebuild is queued once the sync's writes commit, as in production.
@pytest.mark.django_db(transaction=True)
def test_sync_mirrors_and_says_the_rebuild_was_not_queued_when_the_broker_is_down(broker_down, tmdb):
    tmdb.set_list("popular", [5, 3, 9])
    out = StringIO()

    call_command("sync_tmdb", "--lists", "popular", stdout=out, stderr=StringIO())  # no CommandError: exit 0

    ranks = MovieListEntry.objects.filter(category="popular").order_by("rank")
    assert list(ranks.values_list("movie__tmdb_id", flat=True)) == [5, 3, 9]
    output = out.getvalue()
    assert "Done in" in output
    assert "Recommendation index rebuild not queued (broker unreachable: " in output
    assert "it will happen on the next beat run or request." in output
    assert not RecommendationIndex.objects.exists()  # nothing built it in-process either


@pytest.mark.parametrize("path", ["/api/movies/603/similar/", "/api/users/me/recommendations/"])
def test_a_stale_index_is_still_served_when_its_rebuild_cannot_be_queued(broker_down, catalog, path):
    built = recommendation_index_build()
    MovieFactory(tmdb_id=990, title="Added After The Build")  # the index is now stale: the request queues a rebuild
    user = UserFactory()
    FavoriteFactory(user=user, movie=catalog["matrix"])

    response = client_for(user).get(path)

    assert response.status_code == 200
    ids = [m["tmdb_id"] for m in response.json()["results"]]
    assert ids and 990 not in ids  # answered from the previous index
    assert 603 not in ids
    assert list(RecommendationIndex.objects.values_list("version", flat=True)) == [built.version]
