"""A lost database connection inside a request is a 503 in the envelope with Retry-After, never a 500."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError

from tests.conftest import client_for
from tests.factories import MovieFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
        OperationalError("database is locked"),
    ],
)
def test_a_dropped_connection_during_a_write_is_a_503_envelope(monkeypatch, error):
    movie = MovieFactory()

    def dropped(**kwargs):
        raise error

    monkeypatch.setattr("users.api.services.favorite_add", dropped)

    response = client_for(UserFactory()).post("/api/users/me/favorites/", {"tmdb_id": movie.tmdb_id}, format="json")

    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    body = response.json()
    assert body["status"] == "error" and body["code"] == "database_unavailable"
    assert "server closed" not in body["message"]  # the driver's words stay in the log
