"""What schemathesis found (`make fuzz`), each pinned by the request that showed it."""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOO_BIG = 2**63  # past every integer column: SQLite raised OverflowError, PostgreSQL "out of range"


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("put", "/api/users/me/preferences/", {"genres": [TOO_BIG], "people": [], "movies": []}, "genres"),
        ("patch", "/api/users/me/preferences/", {"movies": [TOO_BIG]}, "movies"),
        ("post", "/api/users/me/favorites/", {"tmdb_id": TOO_BIG}, "tmdb_id"),
        ("post", "/api/users/me/interactions/", {"tmdb_id": TOO_BIG, "type": "liked"}, "tmdb_id"),
    ],
)
def test_an_id_too_large_for_the_database_is_a_400_field_error(method, path, body, field):
    response = getattr(client_for(UserFactory()), method)(path, body, format="json")

    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert field in response.json()["errors"]


@pytest.mark.parametrize("method", ["delete", "post", "put", "patch"])
def test_an_unknown_api_path_is_a_json_404_for_every_method_not_a_csrf_page(method):
    client = client_for(UserFactory())
    client.handler.enforce_csrf_checks = True  # as a real server: no test-client CSRF exemption

    response = getattr(client, method)("/api/users/me/interactions/null/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_anonymous_unknown_api_path_is_a_json_404_too():
    client = APIClient(enforce_csrf_checks=True)

    response = client.delete("/api/users/me/favorites/abc/")

    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only: PostgreSQL locks rows, not the file")
def test_sqlite_takes_the_write_lock_when_a_transaction_begins():
    # Two gunicorn workers writing at once gave "database is locked" 500s under the fuzzer: a deferred
    # transaction that read first cannot upgrade its lock while the other writes, and SQLite does not wait.
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_preferences_never_saved_have_a_null_updated_at_and_the_schema_allows_it():
    response = client_for(UserFactory()).get("/api/users/me/preferences/")
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    assert response.status_code == 200 and response.json()["updated_at"] is None
    assert schema["components"]["schemas"]["Preference"]["properties"]["updated_at"]["nullable"] is True
