"""GET/PATCH /api/users/me/: only name and date_of_birth are writable."""

from __future__ import annotations

import datetime

import pytest

from tests.users.conftest import taste_version

pytestmark = pytest.mark.django_db


def test_get_profile(auth_client, user):
    response = auth_client.get("/api/users/me/")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.id
    assert body["email"] == user.email
    assert body["name"] == user.name
    assert body["date_of_birth"] == "1990-01-01"
    assert body["is_adult"] is True
    assert "password" not in body


def test_patch_updates_name_and_date_of_birth(auth_client, user):
    response = auth_client.patch("/api/users/me/", {"name": "New Name", "date_of_birth": "2015-06-01"}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "New Name"
    assert response.json()["is_adult"] is False
    user.refresh_from_db()
    assert user.name == "New Name"
    assert user.date_of_birth == datetime.date(2015, 6, 1)


def test_patch_ignores_everything_else(auth_client, user):
    response = auth_client.patch(
        "/api/users/me/",
        {
            "email": "evil@example.com",
            "is_staff": True,
            "is_superuser": True,
            "is_active": False,
            "taste_version": 99,
            "password": "x",
            "id": 12345,
        },
        format="json",
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.email != "evil@example.com"
    assert not user.is_staff and not user.is_superuser and user.is_active
    assert user.taste_version == 0
    assert user.id != 12345
    assert user.check_password("correct-horse-battery-staple")


def test_a_future_date_of_birth_is_a_400(auth_client):
    response = auth_client.patch("/api/users/me/", {"date_of_birth": "2999-01-01"}, format="json")

    assert response.status_code == 400
    assert "date_of_birth" in response.json()["errors"]


def test_changing_the_date_of_birth_bumps_the_taste_version(auth_client, user):
    auth_client.patch("/api/users/me/", {"name": "Only the name"}, format="json")
    assert taste_version(user) == 0

    auth_client.patch("/api/users/me/", {"date_of_birth": "2010-01-01"}, format="json")

    assert taste_version(user) == 1


@pytest.mark.parametrize("method", ["get", "patch"])
def test_profile_needs_authentication(api_client, method):
    response = getattr(api_client, method)("/api/users/me/", {}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
