"""TmdbClient against the loopback TMDb stand-in: auth modes, typed errors, retries, rate limit, breaker."""

from __future__ import annotations

import logging
import socket
import threading
import uuid

import pytest
from django.conf import settings as django_settings

from movie_backend import usage
from movies.tmdb import (
    BACKGROUND,
    CircuitBreaker,
    RateLimiter,
    RetryPolicy,
    TmdbAuthError,
    TmdbClient,
    TmdbNotConfigured,
    TmdbNotFound,
    TmdbRateLimited,
    TmdbUnavailable,
)
from tests.fakes.tmdb import movie

NO_RETRY = RetryPolicy(attempts=1, base_delay=0, max_delay=0, max_rate_wait=1)


def _client(**kwargs) -> TmdbClient:
    kwargs.setdefault("sleep", lambda seconds: None)
    return TmdbClient(**kwargs)  # the request-path policy unless told otherwise


def _delta(before: dict, event: str) -> int:
    return usage.counters_for().get(event, 0) - before.get(event, 0)


def test_bearer_token_is_sent_as_a_header_and_never_in_the_url(tmdb):
    tmdb.set_list("popular", [1, 2])

    body = _client().movie_list(category="popular")

    assert [m["id"] for m in body["results"]] == [1, 2]
    (call,) = tmdb.calls()
    assert call.headers["Authorization"] == f"Bearer {tmdb.token}"
    assert "api_key" not in call.query


def test_v3_key_is_sent_as_the_api_key_parameter(tmdb_v3):
    tmdb_v3.set_list("popular", [1])

    _client().movie_list(category="popular")

    (call,) = tmdb_v3.calls()
    assert call.query["api_key"] == tmdb_v3.api_key
    assert "Authorization" not in call.headers


def test_the_bearer_token_is_preferred_when_both_are_set(tmdb, settings):
    settings.TMDB_API_KEY = "some-v3-key"

    _client().genres()

    (call,) = tmdb.calls()
    assert "Authorization" in call.headers and "api_key" not in call.query


def test_without_credentials_nothing_is_sent(fake_tmdb, settings):
    settings.TMDB_API_BASE_URL = fake_tmdb.base_url

    with pytest.raises(TmdbNotConfigured):
        _client().genres()

    assert fake_tmdb.calls() == []


def test_a_bad_key_is_an_auth_error_that_names_no_key(fake_tmdb, settings, caplog):
    settings.TMDB_API_BASE_URL = fake_tmdb.base_url
    settings.TMDB_API_KEY = "wrong-secret-key-123"
    caplog.set_level(logging.DEBUG)

    with pytest.raises(TmdbAuthError) as excinfo:
        _client().genres()

    assert excinfo.value.retryable is False
    assert "wrong-secret-key-123" not in str(excinfo.value)
    assert "wrong-secret-key-123" not in caplog.text
    assert "wrong-secret-key-123" not in repr(_client())
    assert len(fake_tmdb.calls()) == 1  # an auth error is not retried


def test_unknown_movie_is_not_found_and_not_retried(tmdb):
    with pytest.raises(TmdbNotFound) as excinfo:
        _client().movie_details(tmdb_id=999)

    assert excinfo.value.retryable is False
    assert len(tmdb.calls()) == 1


def test_details_append_everything_around_the_movie_in_one_call(tmdb):
    tmdb.add_movies([7])

    body = _client().movie_details(tmdb_id=7)

    assert body["credits"]["crew"][0]["job"] == "Director"
    assert body["keywords"]["keywords"] and body["videos"]["results"] and body["watch/providers"]["results"]["US"]
    assert len(tmdb.calls()) == 1
    assert tmdb.calls()[0].query["append_to_response"] == "credits,keywords,videos,watch/providers"


def test_person_and_collection_calls_name_their_endpoints(tmdb):
    tmdb.add_movies([7])
    tmdb.set_collection({"id": 70, "name": "Seven Collection"}, [7])
    client = _client()

    person = client.person_details(person_id=10_000_007)
    collection = client.collection_details(collection_id=70)

    assert person["name"] == "Director 7" and person["movie_credits"]["crew"][0]["job"] == "Director"
    assert [p["id"] for p in collection["parts"]] == [7]
    assert [c.path for c in tmdb.calls()] == ["/person/10000007", "/collection/70"]
    assert tmdb.calls()[0].query["append_to_response"] == "movie_credits"


def test_429_is_rate_limited_with_the_retry_after_it_announced(tmdb):
    tmdb.fail("/movie/popular", status=429, body={"status_code": 25}, headers={"Retry-After": "7"})

    with pytest.raises(TmdbRateLimited) as excinfo:
        _client().movie_list(category="popular")

    assert excinfo.value.retryable is True
    assert excinfo.value.retry_after == 7
    # Seven seconds is longer than a request may wait: no retry on the request path.
    assert len(tmdb.calls()) == 1


def test_a_short_retry_after_is_honoured_once_on_the_request_path(tmdb):
    slept = []
    tmdb.fail("/movie/popular", status=429, headers={"Retry-After": "0.5"}, times=1)
    tmdb.set_list("popular", [1])

    body = _client(sleep=slept.append).movie_list(category="popular")

    assert body["results"][0]["id"] == 1
    assert len(tmdb.calls()) == 2
    assert slept and slept[0] >= 0.5


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_unavailable_and_retried_at_most_once_on_the_request_path(tmdb, status):
    tmdb.fail("/genre", status=status)

    with pytest.raises(TmdbUnavailable) as excinfo:
        _client().genres()

    assert excinfo.value.retryable is True
    assert len(tmdb.calls()) == 2


def test_background_jobs_back_off_exponentially_with_jitter_until_it_works(tmdb):
    slept = []
    tmdb.fail("/genre", status=503, times=3)

    genres = TmdbClient(policy=BACKGROUND, sleep=slept.append).genres()

    assert genres
    assert len(tmdb.calls()) == 4
    assert len(slept) == 3
    # Each wait is drawn from [ceiling/2, ceiling] with the ceiling doubling: 1, 2, 4 seconds.
    for wait, ceiling in zip(slept, [1, 2, 4], strict=True):
        assert ceiling / 2 <= wait <= ceiling


@pytest.mark.parametrize(
    "body",
    [b"<html>Bad gateway</html>", b"", b"[1, 2, 3]", b'{"truncated": '],
    ids=["html", "empty", "json-array", "truncated"],
)
def test_a_body_that_is_not_a_json_object_is_unavailable(tmdb, body):
    tmdb.fail("/configuration", status=200, body=body)

    with pytest.raises(TmdbUnavailable):
        _client().configuration()


def test_a_slow_upstream_times_out_as_unavailable(tmdb):
    tmdb.delay = 0.5

    with pytest.raises(TmdbUnavailable, match="timed out"):
        _client(timeout=(1, 0.1)).genres()


def test_a_connection_error_names_neither_the_key_nor_the_url(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    settings.TMDB_API_BASE_URL = f"http://127.0.0.1:{port}/3"
    settings.TMDB_API_KEY = "secret-key-in-query"

    with pytest.raises(TmdbUnavailable) as excinfo:
        _client().genres()

    assert "secret-key-in-query" not in str(excinfo.value)
    assert excinfo.value.__cause__ is None and excinfo.value.__suppress_context__


def test_every_upstream_call_is_counted_by_endpoint_and_outcome(tmdb):
    before = usage.counters_for()
    tmdb.set_list("popular", [1])

    _client().movie_list(category="popular")
    with pytest.raises(TmdbNotFound):
        _client().movie_details(tmdb_id=404)

    assert _delta(before, "tmdb.request.movie_popular.ok") == 1
    assert _delta(before, "tmdb.request.movie_details.not_found") == 1


def test_every_endpoint_of_the_client_answers(tmdb):
    tmdb.set_list("trending_week", [1])
    tmdb.set_list("upcoming", [2])
    tmdb.add_movies([3], title="Alien")
    tmdb.recommendations[3] = [1, 2]
    tmdb.changes = [3]
    client = _client()

    assert client.trending(window="week")["results"][0]["id"] == 1
    assert client.movie_list(category="upcoming")["results"][0]["id"] == 2
    assert client.search_movies(query="alien", year=2020)["results"][0]["id"] == 3
    assert client.discover_movies(with_genres=18)["page"] == 1
    assert [m["id"] for m in client.movie_recommendations(tmdb_id=3)["results"]] == [1, 2]
    assert client.configuration()["images"]["secure_base_url"]
    assert client.movie_changes(start_date="2026-01-01")["results"] == [{"id": 3, "adult": False}]


# --- Rate limit -----------------------------------------------------------------------------------


@pytest.fixture
def bucket_key():
    """A fresh bucket per test (the bucket is a raw Redis key, outside the cache's key prefix)."""
    from movies.tmdb import _redis

    key = f"test:tmdb:ratelimit:{uuid.uuid4().hex}"
    yield key
    if _redis() is not None:
        _redis().delete(key)


def _limiter(rate: float, key: str) -> RateLimiter:
    from movies.tmdb import _redis

    return RateLimiter(rate, redis_client=_redis(), key=key)


def test_the_rate_limit_is_one_bucket_shared_by_every_worker(bucket_key):
    """Two limiters stand for two processes: with Redis they share one bucket (else each has its own)."""
    first, second = (
        _limiter(0.01, bucket_key),
        _limiter(0.01, bucket_key),
    )  # a bucket of one token, refilled every 100 s

    granted = [lim.try_acquire() == 0 for lim in (first, second, first, second)]

    if django_settings.REDIS_URL:
        assert granted.count(True) == 1
    else:
        assert granted == [True, True, False, False]


def test_threads_of_one_process_share_its_bucket(bucket_key):
    limiter = _limiter(0.01, bucket_key)
    results = []
    threads = [threading.Thread(target=lambda: results.append(limiter.try_acquire() == 0)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert results.count(True) == 1


def test_an_empty_bucket_refuses_the_call_before_it_reaches_tmdb(tmdb, bucket_key):
    limiter = _limiter(0.01, bucket_key)
    client = _client(rate_limiter=limiter)

    client.genres()
    with pytest.raises(TmdbRateLimited) as excinfo:
        client.genres()

    assert excinfo.value.retry_after > 1
    assert len(tmdb.calls()) == 1


# --- Circuit breaker ------------------------------------------------------------------------------


def test_the_breaker_opens_after_repeated_failures_and_stops_calling_tmdb(tmdb):
    breaker = CircuitBreaker(threshold=3, cooldown=60)
    client = _client(policy=NO_RETRY, breaker=breaker)
    tmdb.fail("/genre", status=503)

    for _ in range(3):
        with pytest.raises(TmdbUnavailable):
            client.genres()
    with pytest.raises(TmdbUnavailable) as excinfo:
        client.genres()

    assert len(tmdb.calls()) == 3
    assert 0 < excinfo.value.retry_after <= 60
    # The state is shared through the cache: another client (another worker) sees it open too.
    assert _client(breaker=CircuitBreaker(threshold=3, cooldown=60)).breaker.open_for() > 0


def test_after_the_cool_down_one_success_closes_the_breaker_and_one_failure_reopens_it(tmdb):
    from django.core.cache import cache

    breaker = CircuitBreaker(threshold=2, cooldown=60)
    client = _client(policy=NO_RETRY, breaker=breaker)
    tmdb.fail("/genre", status=503)
    for _ in range(2):
        with pytest.raises(TmdbUnavailable):
            client.genres()
    cache.delete(breaker.open_key)  # the cool-down has passed

    with pytest.raises(TmdbUnavailable):
        client.genres()  # half-open: this single failure opens it again
    assert breaker.open_for() > 0

    cache.delete(breaker.open_key)
    tmdb.heal()
    assert client.genres()
    assert breaker.open_for() == 0
    assert cache.get(breaker.failures_key) is None


def test_not_found_does_not_count_towards_the_breaker(tmdb):
    breaker = CircuitBreaker(threshold=2, cooldown=60)
    client = _client(policy=NO_RETRY, breaker=breaker)

    for _ in range(3):
        with pytest.raises(TmdbNotFound):
            client.movie_details(tmdb_id=123)

    assert breaker.open_for() == 0


def test_list_items_are_tmdb_shaped():
    assert set(movie(1)) >= {"id", "title", "genre_ids", "poster_path", "adult"}
