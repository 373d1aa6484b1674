"""Registration, login, the refresh-token life cycle, logout and password change."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db

STRONG = "plum-orbit-lantern-42"


def register(client: APIClient, **overrides):
    body = {"email": "Ada@Example.com", "password": STRONG, "name": "Ada", "date_of_birth": "1990-05-01"}
    body.update(overrides)
    return client.post("/api/auth/register/", body, format="json")


def login(client: APIClient, email: str, password: str = DEFAULT_PASSWORD):
    return client.post("/api/auth/login/", {"email": email, "password": password}, format="json")


def assert_envelope(response, status_code: int, code: str | None = None) -> dict:
    assert response.status_code == status_code, response.content
    body = response.json()
    assert set(body) == {"status", "code", "message", "errors"}
    assert body["status"] == "error"
    if code:
        assert body["code"] == code
    return body


# --- Registration -------------------------------------------------------------------------------------


def test_register_answers_the_profile_and_stores_an_argon2_hash(api_client):
    response = register(api_client)

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ada@example.com"
    assert body["name"] == "Ada"
    assert body["date_of_birth"] == "1990-05-01"
    assert body["is_adult"] is True
    assert "password" not in body
    user = User.objects.get(email="ada@example.com")
    assert user.password.startswith("argon2$")
    assert user.check_password(STRONG)


def test_register_without_date_of_birth_is_not_adult(api_client):
    body = {"email": "kid@example.com", "password": STRONG, "name": "Kid"}

    response = api_client.post("/api/auth/register/", body, format="json")

    assert response.status_code == 201
    assert response.json()["date_of_birth"] is None
    assert response.json()["is_adult"] is False


def test_register_refuses_an_email_taken_in_another_case_with_409(api_client):
    assert register(api_client).status_code == 201

    response = register(api_client, email="ADA@example.COM")

    assert_envelope(response, 409, "email_taken")
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "password123"}, "password"),  # common
        ({"password": "83920174651"}, "password"),  # all numeric
        ({"password": "ada@example.com"}, "password"),  # too similar to the email
        ({"email": "not-an-email"}, "email"),
        ({"name": ""}, "name"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
    ],
)
def test_register_validation_errors_come_in_the_envelope(api_client, overrides, field):
    response = register(api_client, **overrides)

    body = assert_envelope(response, 400, "invalid")
    assert field in body["errors"]
    assert not User.objects.exists()


def test_register_ignores_privilege_fields(api_client):
    response = register(api_client, is_staff=True, is_superuser=True)

    assert response.status_code == 201
    user = User.objects.get()
    assert not user.is_staff
    assert not user.is_superuser


# --- Login --------------------------------------------------------------------------------------------


def test_login_answers_a_token_pair_that_authenticates(api_client, user):
    response = login(api_client, user.email.upper())

    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get("/api/users/me/").json()["email"] == user.email
    user.refresh_from_db()
    assert user.last_login is not None


def test_login_errors_do_not_reveal_whether_the_email_exists(api_client, user):
    wrong_password = login(api_client, user.email, "not-the-password")
    unknown_email = login(api_client, "nobody@example.com", "not-the-password")

    assert_envelope(wrong_password, 401, "invalid_credentials")
    assert wrong_password.json() == unknown_email.json()
    assert unknown_email.status_code == 401


def test_login_refuses_an_inactive_account_like_a_wrong_password(api_client):
    inactive = UserFactory(is_active=False)

    assert_envelope(login(api_client, inactive.email), 401, "invalid_credentials")


def test_login_with_a_missing_field_is_a_400(api_client):
    body = assert_envelope(api_client.post("/api/auth/login/", {"email": "a@b.c"}, format="json"), 400)
    assert "password" in body["errors"]


def test_login_ignores_a_stale_authorization_header(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    assert login(client, user.email).status_code == 200


# --- Token life cycle ---------------------------------------------------------------------------------


def test_whole_token_life_cycle(api_client, user):
    first = login(api_client, user.email).json()

    # Refresh rotates: a new pair, and the old refresh token is spent.
    rotated = api_client.post("/api/auth/refresh/", {"refresh": first["refresh"]}, format="json")
    assert rotated.status_code == 200
    second = rotated.json()
    assert set(second) == {"access", "refresh"}
    assert second["refresh"] != first["refresh"]

    # Log out with the new refresh token: it cannot be used afterwards.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {second['access']}")
    assert client.post("/api/auth/logout/", {"refresh": second["refresh"]}, format="json").status_code == 204

    after_logout = api_client.post("/api/auth/refresh/", {"refresh": second["refresh"]}, format="json")
    assert_envelope(after_logout, 401, "token_not_valid")


def test_refresh_with_garbage_is_a_401(api_client):
    assert_envelope(api_client.post("/api/auth/refresh/", {"refresh": "garbage"}, format="json"), 401)


def test_refresh_for_a_deactivated_user_is_a_401(api_client, user):
    refresh = login(api_client, user.email).json()["refresh"]
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert_envelope(api_client.post("/api/auth/refresh/", {"refresh": refresh}, format="json"), 401)


def test_logout_needs_authentication(api_client, user):
    refresh = login(api_client, user.email).json()["refresh"]

    assert_envelope(api_client.post("/api/auth/logout/", {"refresh": refresh}, format="json"), 401)
    # The token still works: the anonymous logout did nothing.
    assert api_client.post("/api/auth/refresh/", {"refresh": refresh}, format="json").status_code == 200


def test_logout_refuses_someone_elses_refresh_token(api_client, user, other_user):
    theirs = login(api_client, other_user.email).json()["refresh"]

    response = client_for(user).post("/api/auth/logout/", {"refresh": theirs}, format="json")

    body = assert_envelope(response, 400, "invalid")
    assert "refresh" in body["errors"]
    assert api_client.post("/api/auth/refresh/", {"refresh": theirs}, format="json").status_code == 200


def test_logout_with_a_spent_token_is_a_400(api_client, user):
    refresh = login(api_client, user.email).json()["refresh"]
    client = client_for(user)
    assert client.post("/api/auth/logout/", {"refresh": refresh}, format="json").status_code == 204

    assert_envelope(client.post("/api/auth/logout/", {"refresh": refresh}, format="json"), 400)


# --- Password change ----------------------------------------------------------------------------------


def test_change_password_revokes_every_refresh_token_and_answers_a_new_pair(api_client, user):
    session_a = login(api_client, user.email).json()
    session_b = login(api_client, user.email).json()
    client = client_for(user)

    response = client.post(
        "/api/users/me/password/",
        {"current_password": DEFAULT_PASSWORD, "new_password": STRONG},
        format="json",
    )

    assert response.status_code == 200
    fresh = response.json()
    for old in (session_a, session_b):
        assert_envelope(api_client.post("/api/auth/refresh/", {"refresh": old["refresh"]}, format="json"), 401)
    assert api_client.post("/api/auth/refresh/", {"refresh": fresh["refresh"]}, format="json").status_code == 200
    assert_envelope(login(api_client, user.email, DEFAULT_PASSWORD), 401)
    assert login(api_client, user.email, STRONG).status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"current_password": "wrong-password", "new_password": STRONG}, "current_password"),
        ({"current_password": DEFAULT_PASSWORD, "new_password": "123"}, "new_password"),
        ({"current_password": DEFAULT_PASSWORD}, "new_password"),
    ],
)
def test_change_password_validation_errors(user, body, field):
    response = client_for(user).post("/api/users/me/password/", body, format="json")

    assert field in assert_envelope(response, 400, "invalid")["errors"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_change_password_needs_authentication(api_client):
    body = {"current_password": "x", "new_password": STRONG}
    assert_envelope(api_client.post("/api/users/me/password/", body, format="json"), 401)


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises writers, so concurrent refreshes cannot race (set DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_one_refresh_token_used_concurrently_rotates_once():
    user = UserFactory()
    refresh = login(APIClient(), user.email).json()["refresh"]
    barrier = threading.Barrier(10)
    statuses: list[int] = []

    def use():
        try:
            barrier.wait()
            statuses.append(APIClient().post("/api/auth/refresh/", {"refresh": refresh}, format="json").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=use) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] + [401] * 9
