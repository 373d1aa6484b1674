"""Every 4xx/5xx answers the one envelope, whatever raised it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from movie_backend import usage
from movie_backend.exceptions import ERROR_CODES
from users.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.movie_backend.urls")]

ENVELOPE_KEYS = {"status", "code", "message", "errors"}


def _staffless_token_client() -> APIClient:
    from rest_framework_simplejwt.tokens import RefreshToken

    user = User.objects.create_user(email="plain@example.com", password="a-long-password-1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("post", "/t/validate/", {"name": "far too long"}, 400, "invalid"),
        ("get", "/t/genres/?limit=abc", None, 400, "invalid"),
        ("get", "/t/private/", None, 401, "not_authenticated"),
        ("get", "/t/django/403/", None, 403, "permission_denied"),
        ("get", "/t/django/404/", None, 404, "not_found"),
        ("get", "/api/no-such-endpoint/", None, 404, "not_found"),
        ("get", "/nowhere/at/all/", None, 404, "not_found"),
        ("delete", "/t/validate/", None, 405, "method_not_allowed"),
    ],
)
def test_error_envelope(method, path, body, status, code):
    response = getattr(APIClient(), method)(path, body, format="json")

    assert response.status_code == status
    payload = response.json()
    assert set(payload) == ENVELOPE_KEYS
    assert payload["status"] == "error"
    assert payload["code"] == code
    assert code in ERROR_CODES
    assert isinstance(payload["message"], str) and payload["message"]
    assert isinstance(payload["errors"], dict)


def test_a_form_body_is_415_envelope():
    response = APIClient().post("/t/validate/", "name=x", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_validation_error_lists_field_errors():
    payload = APIClient().post("/t/validate/", {}, format="json").json()

    assert payload["errors"] == {"name": ["This field is required."]}
    assert payload["message"] == "name: This field is required."


def test_bad_token_is_401_envelope_from_simplejwt():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")

    response = client.get("/t/private/")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert set(response.json()) == ENVELOPE_KEYS


def test_authenticated_non_staff_gets_403_envelope():
    response = _staffless_token_client().get("/t/staff/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_throttled_is_429_with_retry_after():
    client = APIClient()
    assert client.get("/t/throttled/").status_code == 200

    response = client.get("/t/throttled/")

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert usage.counters_for() == {"throttle.ThrottledView": 1}


def test_crash_is_500_envelope_without_traceback():
    client = APIClient(raise_request_exception=False)

    response = client.get("/t/crash/")

    assert response.status_code == 500
    assert set(response.json()) == ENVELOPE_KEYS
    assert response.json()["code"] == "server_error"
    assert "secret internal detail" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
