"""The schema states the bounds the API enforces (found by `make fuzz`: schema-valid values answered 400)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def parameter(schema, path, name) -> dict:
    return next(p["schema"] for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name)


@pytest.mark.parametrize(
    ("path", "name", "bounds"),
    [
        ("/api/movies/", "page", {"minimum": 1}),
        ("/api/movies/", "limit", {"minimum": 1, "maximum": 100}),
        ("/api/users/me/favorites/", "limit", {"minimum": 1, "maximum": 100}),
        ("/api/movies/", "genre", {"minLength": 1, "maxLength": 64}),
        ("/api/movies/search/", "year", {"minimum": 1870, "maximum": 2100}),
        ("/api/movies/search/", "q", {"minLength": 1, "maxLength": 200}),
        ("/api/admin/usage/", "days", {"minimum": 1, "maximum": 31}),
    ],
)
def test_the_schema_states_the_enforced_bounds(schema, path, name, bounds):
    assert parameter(schema, path, name).items() >= bounds.items()


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"limit": 100, "page": 1}, 200),
        ({"limit": 101}, 400),
        ({"limit": 0}, 400),
        ({"page": 0}, 400),
        ({"genre": "x" * 65}, 400),  # inside the bounds, a genre that exists answers (tests/movies)
    ],
)
def test_inside_the_bounds_is_accepted_and_outside_is_a_400(params, status):
    assert APIClient().get("/api/movies/", params).status_code == status
