"""Login lockout (django-axes): failures count per email and address, the lockout is a 429 envelope with
Retry-After, and it ends after the cool-off. Time is moved by patching axes' clock, never by sleeping."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT
COOL_OFF = settings.AXES_COOLOFF_TIME


def login(client, email, password):
    return client.post("/api/auth/login/", {"email": email, "password": password}, format="json")


def at(moment: datetime.datetime):
    """Axes reads the time of an attempt from this one clock (the cool-off threshold derives from it)."""
    return mock.patch("axes.handlers.proxy.now", return_value=moment)


def fail(client, email, times):
    return [login(client, email, "wrong-password").status_code for _ in range(times)]


def test_the_limit_th_failure_locks_and_even_the_right_password_is_refused(api_client, user):
    assert fail(api_client, user.email, LIMIT - 1) == [401] * (LIMIT - 1)

    locked = login(api_client, user.email, "wrong-password")
    assert locked.status_code == 429
    body = locked.json()
    assert body["code"] == "account_locked"
    assert body["status"] == "error"
    assert int(locked["Retry-After"]) == int(COOL_OFF.total_seconds())

    right = login(api_client, user.email, DEFAULT_PASSWORD)
    assert right.status_code == 429
    assert right.json()["code"] == "account_locked"


def test_the_lockout_counts_the_email_in_any_case(api_client, user):
    fail(api_client, user.email.upper(), LIMIT - 1)

    assert login(api_client, user.email, "wrong-password").status_code == 429


def test_the_lockout_ends_after_the_cool_off(api_client, user):
    start = timezone.now()
    with at(start):
        fail(api_client, user.email, LIMIT)
    with at(start + COOL_OFF - datetime.timedelta(seconds=30)):
        assert login(api_client, user.email, DEFAULT_PASSWORD).status_code == 429
    # An attempt during the lockout restarts the cool-off, so count from it.
    later = start + COOL_OFF - datetime.timedelta(seconds=30) + COOL_OFF + datetime.timedelta(seconds=1)
    with at(later):
        response = login(api_client, user.email, DEFAULT_PASSWORD)

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


def test_a_success_resets_the_failure_count(api_client, user):
    fail(api_client, user.email, LIMIT - 1)
    assert login(api_client, user.email, DEFAULT_PASSWORD).status_code == 200

    assert fail(api_client, user.email, LIMIT - 1) == [401] * (LIMIT - 1)


def test_a_lockout_of_one_email_leaves_others_alone(api_client, user, other_user):
    fail(api_client, user.email, LIMIT)

    assert login(api_client, other_user.email, DEFAULT_PASSWORD).status_code == 200
