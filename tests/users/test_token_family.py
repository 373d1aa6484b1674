"""Refresh-token families (RFC 9700, refresh token rotation): a rotated refresh token presented again revokes
every token of its login, so thief and owner are both logged out; the user's other logins are untouched."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import DEFAULT_PASSWORD, UserFactory
from users.models import TokenFamily
from users.tasks import flush_expired_tokens

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def login(user) -> dict:
    response = APIClient().post("/api/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()


def refresh(token: str):
    return APIClient().post("/api/auth/refresh/", {"refresh": token}, format="json")


def me(access: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/api/users/me/")


def assert_refused(response):
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "token_not_valid"
    assert response.json()["status"] == "error"


def test_rotation_keeps_the_login_going(user):
    first = login(user)
    second = refresh(first["refresh"]).json()
    third = refresh(second["refresh"]).json()

    assert me(third["access"]).json()["email"] == user.email
    assert refresh(third["refresh"]).status_code == 200


def test_a_reused_refresh_token_logs_out_the_thief_and_the_owner(user):
    stolen = login(user)
    thief = refresh(stolen["refresh"]).json()  # the thief rotates first

    assert_refused(refresh(stolen["refresh"]))  # the owner's copy, now a reuse

    assert_refused(refresh(thief["refresh"]))
    assert_refused(me(thief["access"]))
    assert_refused(me(stolen["access"]))


def test_a_reuse_revokes_the_latest_token_however_many_rotations_later(user):
    first = login(user)
    latest = first
    for _ in range(3):
        latest = refresh(latest["refresh"]).json()

    assert_refused(refresh(first["refresh"]))

    assert_refused(refresh(latest["refresh"]))
    assert_refused(me(latest["access"]))


def test_other_logins_of_the_user_stay_valid(user, other_user):
    phone = login(user)
    laptop = login(user)
    someone_else = login(other_user)
    refresh(phone["refresh"])

    assert_refused(refresh(phone["refresh"]))

    assert me(laptop["access"]).status_code == 200
    assert refresh(laptop["refresh"]).status_code == 200
    assert refresh(someone_else["refresh"]).status_code == 200


def test_a_logged_out_token_presented_again_is_refused(user):
    tokens = login(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.post("/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json").status_code == 204

    assert_refused(refresh(tokens["refresh"]))
    assert login(user)["refresh"]


def test_a_token_from_before_families_still_rotates_once(user):
    legacy = str(RefreshToken.for_user(user))

    rotated = refresh(legacy)
    assert rotated.status_code == 200
    assert_refused(refresh(legacy))
    assert me(rotated.json()["access"]).status_code == 200


def test_a_family_goes_with_its_latest_token_in_the_daily_flush(user):
    tokens = login(user)
    refresh(tokens["refresh"])
    OutstandingToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert TokenFamily.objects.filter(user=user).count() == 1

    assert flush_expired_tokens.delay().get() == 2

    assert not TokenFamily.objects.exists()


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises writers, so concurrent refreshes cannot race (set DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_uses_of_one_token_give_one_pair_and_revoke_the_login():
    user = UserFactory()
    other_login = login(user)
    token = login(user)["refresh"]
    barrier = threading.Barrier(10)
    answers: list = []

    def use():
        try:
            barrier.wait()
            answers.append(refresh(token))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=use) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(a.status_code for a in answers) == [200] + [401] * 9
    winner = next(a.json() for a in answers if a.status_code == 200)
    # The nine others were reuses of a rotated token: they revoked the pair the winner got.
    assert_refused(refresh(winner["refresh"]))
    assert_refused(me(winner["access"]))
    assert refresh(other_login["refresh"]).status_code == 200


def test_a_password_change_ends_every_login_at_once(user):
    phone = login(user)
    laptop = login(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {phone['access']}")
    body = {"current_password": DEFAULT_PASSWORD, "new_password": "plum-orbit-lantern-42"}

    fresh = client.post("/api/users/me/password/", body, format="json").json()

    for old in (phone, laptop):
        assert_refused(me(old["access"]))
        assert_refused(refresh(old["refresh"]))
    assert me(fresh["access"]).status_code == 200
    assert refresh(fresh["refresh"]).status_code == 200
