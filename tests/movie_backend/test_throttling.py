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

    monkeypatch.setattr(throttling, "_incr", broken)
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


@pytest.mark.parametrize(
    ("num_proxies", "meta"),
    [
        (None, {"REMOTE_ADDR": "10.0.0.1"}),
        (None, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8"}),
        (0, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}),
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8"}),
        (5, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8"}),
        (1, {"REMOTE_ADDR": "10.0.0.1"}),
    ],
)
def test_callers_are_identified_exactly_as_drf_does(settings, num_proxies, meta):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import BaseThrottle

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    assert num_proxies == api_settings.NUM_PROXIES
    request = APIView().initialize_request(APIRequestFactory().get("/", **meta))

    assert throttling.AnonThrottle().get_ident(request) == BaseThrottle().get_ident(request)
