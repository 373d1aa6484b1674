"""Malformed and hostile bodies answer a 400/413 envelope on every JSON endpoint, never a 500."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from movie_backend.exceptions import ERROR_CODES
from movie_backend.parsers import MAX_JSON_DEPTH, json_depth_exceeds
from tests.factories import MovieFactory, UserFactory

pytestmark = pytest.mark.django_db

DEEP = ("[" * 1000 + "]" * 1000).encode()


def _json_body_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation in the OpenAPI schema that takes a JSON body, path ids filled in."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                operations.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return operations


JSON_OPERATIONS = _json_body_operations()


@pytest.fixture
def staff_client() -> APIClient:
    from rest_framework_simplejwt.tokens import RefreshToken

    user = UserFactory(is_staff=True, is_superuser=True)
    MovieFactory(tmdb_id=1)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def _assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"status", "code", "message", "errors"}
    assert body["code"] == code
    return body


def test_every_json_body_endpoint_is_covered():
    paths = {path for _, path in JSON_OPERATIONS}
    assert {"/api/auth/login/", "/api/auth/register/", "/api/recommend/", "/api/users/me/preferences/"} <= paths
    assert len(JSON_OPERATIONS) >= 10


@pytest.mark.parametrize(("method", "path"), JSON_OPERATIONS)
def test_deeply_nested_json_is_a_400_on_every_json_endpoint(staff_client, method, path):
    response = getattr(staff_client, method)(path, DEEP, content_type="application/json")

    body = _assert_envelope(response, 400, "parse_error")
    assert "nested" in body["message"]


@pytest.mark.parametrize(("method", "path"), JSON_OPERATIONS)
def test_a_body_of_several_megabytes_is_a_413_on_every_json_endpoint(staff_client, method, path):
    big = b'{"query": "' + b"a" * (5 * 1024 * 1024) + b'"}'

    response = getattr(staff_client, method)(path, big, content_type="application/json")

    _assert_envelope(response, 413, "payload_too_large")


def test_nesting_within_the_limit_still_parses():
    client = APIClient()
    shallow = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)

    response = client.post("/api/recommend/", f'{{"query": "heist", "x": {shallow}}}', content_type="application/json")

    assert response.status_code == 200


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert not json_depth_exceeds(b'{"query": "' + b"[" * 5000 + b'\\"[[[" }')
    assert json_depth_exceeds(b'{"a": "\\"", "b": ' + b"[" * 40 + b"]" * 40 + b"}")
    assert not json_depth_exceeds(b"[" + b"[1]," * 10000 + b"[2]]")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/recommend/", {"query": 42}, "query"),
        ("/api/recommend/", {"query": ["heist"]}, "query"),
        ("/api/auth/login/", {"email": 12345, "password": "x"}, "email"),
        ("/api/auth/register/", {"email": "a@example.com", "password": True, "name": "A"}, "password"),
        ("/api/auth/refresh/", {"refresh": 1}, "refresh"),
    ],
)
def test_a_json_number_where_the_contract_says_string_is_a_400_naming_the_field(path, body, field):
    response = APIClient().post(path, body, format="json")

    payload = _assert_envelope(response, 400, "invalid")
    assert field in payload["errors"]
    assert payload["message"].startswith(f"{field}: Must be a string")


def test_profile_and_preferences_refuse_numbers_for_strings(auth_client):
    profile = auth_client.patch("/api/users/me/", {"name": 7}, format="json")
    preferences = auth_client.put("/api/users/me/preferences/", {"people": [7]}, format="json")

    assert _assert_envelope(profile, 400, "invalid")["errors"] == {"name": ["Must be a string, not a number."]}
    assert "people" in _assert_envelope(preferences, 400, "invalid")["errors"]


@pytest.mark.parametrize("path", ["/api/movies/-1/", "/api/movies/0/", "/api/movies/999999999/"])
def test_a_missing_movie_has_one_code_whatever_the_id(path):
    _assert_envelope(APIClient().get(path), 404, "not_found")


def test_missing_things_of_every_kind_say_not_found(auth_client):
    assert auth_client.delete("/api/users/me/favorites/12345/").json()["code"] == "not_found"
    assert auth_client.delete("/api/users/me/interactions/12345/").json()["code"] == "not_found"
    assert auth_client.get("/api/recommendations/genre/no-such-genre/").json()["code"] == "not_found"


def test_the_schema_lists_every_error_code():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    code = schema["components"]["schemas"]["ErrorEnvelope"]["properties"]["code"]
    enum = schema["components"]["schemas"][code["allOf"][0]["$ref"].split("/")[-1]]["enum"]
    listed = set(enum)
    assert listed == set(ERROR_CODES)


def test_a_huge_form_post_outside_the_api_is_a_413_envelope():
    client = APIClient(raise_request_exception=False)
    big = "username=a&password=" + "x" * (3 * 1024 * 1024)

    response = client.post("/admin/login/", big, content_type="application/x-www-form-urlencoded")

    _assert_envelope(response, 413, "payload_too_large")
