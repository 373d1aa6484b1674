"""Fixed-window throttles: one counter per client and window, exactly one default throttle per request."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from movie_backend import throttling
from tests.factories import UserFactory


class _View(APIView):
    throttle_scope = "recommend"


def _request(user=None):
    request = APIRequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    if user is not None:
        force_authenticate(request, user=user)
    view = _View()
    drf_request = view.initialize_request(request)
    view.perform_authentication(drf_request)
    return drf_request, view


@pytest.fixture
def rates(monkeypatch):
    monkeypatch.setattr(
        throttling.FixedWindowThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "2/min", "recommend": "1/min"}
    )


def test_anonymous_callers_get_their_allowance_then_a_wait(rates):
    request, view = _request()
    allowed = [throttling.AnonThrottle().allow_request(request, view) for _ in range(4)]

    assert allowed == [True, True, True, False]
    throttle = throttling.AnonThrottle()
    throttle.allow_request(request, view)
    assert 1 <= throttle.wait() <= 60


@pytest.mark.django_db
def test_each_request_is_counted_by_one_default_throttle_only(rates):
    user = UserFactory()
    authed, view = _request(user)
    anonymous, _ = _request()

    # The anon throttle ignores an authenticated caller; the user throttle ignores an anonymous one.
    assert all(throttling.AnonThrottle().allow_request(authed, view) for _ in range(10))
    assert all(throttling.UserThrottle().allow_request(anonymous, view) for _ in range(10))
    assert [throttling.UserThrottle().allow_request(authed, view) for _ in range(3)] == [True, True, False]


@pytest.mark.django_db
def test_scoped_throttle_counts_per_user_and_per_address_separately(rates):
    authed, view = _request(UserFactory())
    anonymous, _ = _request()

    assert throttling.ScopedThrottle().allow_request(authed, view) is True
    assert throttling.ScopedThrottle().allow_request(authed, view) is False
    assert throttling.ScopedThrottle().allow_request(anonymous, view) is True
    assert throttling.ScopedThrottle().allow_request(anonymous, view) is False


def test_a_cache_outage_fails_open(rates, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(throttling, "counter_incr", broken)
    request, view = _request()

    assert all(throttling.AnonThrottle().allow_request(request, view) for _ in range(10))


def test_the_counter_is_one_key_per_window_not_a_timestamp_list(rates):
    request, view = _request()
    for _ in range(3):
        throttling.AnonThrottle().allow_request(request, view)

    throttle = throttling.AnonThrottle()
    key = throttle.get_cache_key(request, view)
    now = int(throttle.timer())
    assert cache.get(f"{key}:{now - now % 60}") == 3


def _addressed(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIRequestFactory().get("/", **meta)


def test_the_client_address_ignores_x_forwarded_for_unless_proxies_are_declared(settings):
    assert throttling.client_address(_addressed("10.0.0.9", "6.6.6.6")) == "10.0.0.9"

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # Behind one proxy: the address it saw, the last one it appended; what the client wrote before is ignored.
    assert throttling.client_address(_addressed("10.0.0.9", "6.6.6.6, 198.51.100.4")) == "198.51.100.4"
    assert throttling.client_address(_addressed("10.0.0.9")) == "10.0.0.9"


def test_a_failure_throttle_counts_only_reported_failures(monkeypatch):
    monkeypatch.setattr(throttling.FixedWindowThrottle, "THROTTLE_RATES", {"recommend": "2/min"})
    request, view = _request()

    assert all(throttling.FailureThrottle().allow_request(request, view) for _ in range(5))
    throttling.FailureThrottle().record_failure(request, view)
    assert throttling.FailureThrottle().allow_request(request, view) is True
    throttling.FailureThrottle().record_failure(request, view)

    refused = throttling.FailureThrottle()
    assert refused.allow_request(request, view) is False
    assert 1 <= refused.wait() <= 60


def test_a_failure_throttle_fails_open_when_the_cache_is_down(monkeypatch):
    monkeypatch.setattr(throttling.FixedWindowThrottle, "THROTTLE_RATES", {"recommend": "1/min"})

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(throttling, "counter_get", broken)
    monkeypatch.setattr(throttling, "counter_incr", broken)
    request, view = _request()
    throttling.FailureThrottle().record_failure(request, view)  # must not raise

    assert all(throttling.FailureThrottle().allow_request(request, view) for _ in range(3))


needs_redis = pytest.mark.skipif(not __import__("django.conf").conf.settings.REDIS_URL, reason="needs REDIS_URL")


@needs_redis
def test_window_counters_on_redis_are_exact_across_threads_and_survive_a_dropped_connection():
    import threading

    key = "throttle-test:threads:1"
    cache.delete(key)

    def hammer():
        for _ in range(200):
            throttling.counter_incr(key, ttl=60)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert throttling.counter_get(key) == 800  # one atomic INCR each, whichever thread's connection sent it

    held = throttling._held.connection
    held.disconnect()  # as if Redis closed it (a restart, an idle timeout): the next INCR connects again
    assert throttling.counter_incr(key, ttl=60) == 801
    from django_redis import get_redis_connection

    assert get_redis_connection("default").ttl(cache.make_key(key)) > 0  # the window's key still expires
