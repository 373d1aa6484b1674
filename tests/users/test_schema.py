"""The OpenAPI schema documents the accounts endpoints: tags, request/response bodies and the JWT scheme."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/?format=json").json()


def test_jwt_bearer_scheme_is_declared_for_the_authorize_button(schema):
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert {"jwtAuth": []} in schema["paths"]["/api/users/me/"]["get"]["security"]


@pytest.mark.parametrize(
    ("path", "method", "tag"),
    [
        ("/api/auth/register/", "post", "auth"),
        ("/api/auth/login/", "post", "auth"),
        ("/api/auth/refresh/", "post", "auth"),
        ("/api/auth/logout/", "post", "auth"),
        ("/api/users/me/", "patch", "users"),
        ("/api/users/me/password/", "post", "users"),
        ("/api/users/me/favorites/", "post", "users"),
        ("/api/users/me/interactions/", "post", "users"),
        ("/api/users/me/preferences/", "put", "users"),
    ],
)
def test_operations_are_tagged_and_document_their_bodies(schema, path, method, tag):
    operation = schema["paths"][path][method]

    assert operation["tags"] == [tag]
    assert "requestBody" in operation
    success = next(code for code in operation["responses"] if code.startswith("2"))
    assert operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorEnvelope")
    if success != "204":
        assert "content" in operation["responses"][success]


def test_public_auth_operations_need_no_token(schema):
    for path in ("/api/auth/register/", "/api/auth/login/", "/api/auth/refresh/"):
        assert schema["paths"][path]["post"].get("security") in (None, [], [{}])


def test_the_password_is_never_in_a_response_body(schema):
    profile = schema["components"]["schemas"]["UserProfile"]
    assert "password" not in profile["properties"]
    assert "password" in schema["components"]["schemas"]["RegisterRequest"]["properties"]


def test_the_login_operation_states_the_lockout_and_throttle_rules_with_their_numbers(schema, settings):
    description = schema["paths"]["/api/auth/login/"]["post"]["description"]

    for setting in ("AXES_FAILURE_LIMIT", "LOGIN_ACCOUNT_FAILURE_LIMIT", "LOGIN_ACCOUNT_COOLOFF_MAX_SECONDS"):
        assert f"{getattr(settings, setting)}" in description and f"`{setting}`" in description
    assert "account_locked" in description and "Retry-After" in description
    assert "429" in schema["paths"]["/api/auth/login/"]["post"]["responses"]


def test_the_refresh_operation_says_a_reuse_revokes_the_login(schema):
    description = schema["paths"]["/api/auth/refresh/"]["post"]["description"]

    assert "revoked" in description and "access tokens" in description
