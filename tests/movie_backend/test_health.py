from __future__ import annotations

import pytest
from django.conf import settings
from django.db import OperationalError
from rest_framework.test import APIClient

from movie_backend import health


@pytest.mark.django_db
def test_liveness_touches_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = APIClient().get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_when_database_and_cache_answer():
    response = APIClient().get("/health/ready/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


@pytest.mark.django_db
def test_not_ready_names_the_unreachable_database(monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(health.connection, "cursor", unreachable)

    response = APIClient().get("/health/ready/")

    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["errors"] == {"database": "unavailable", "cache": "ok"}
    assert body["message"].startswith("Not ready: database (")


@pytest.mark.django_db
def test_not_ready_names_a_cache_that_loses_writes(monkeypatch):
    monkeypatch.setattr(health.cache, "get", lambda *args, **kwargs: None)

    response = APIClient().get("/health/ready/")

    assert response.status_code == 503
    assert response.json()["errors"] == {"database": "ok", "cache": "unavailable"}
    expected = "cache (redis)" if settings.REDIS_URL else "cache (local memory)"
    assert response.json()["message"] == f"Not ready: {expected} unavailable."
