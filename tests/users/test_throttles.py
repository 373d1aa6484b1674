"""Throttle scopes of the auth endpoints: sign-ups have their own bucket, and logins and password changes are
limited by their failures, so a success never uses up the allowance."""

from __future__ import annotations

import pytest
from django.conf import settings

from movie_backend.throttling import ScopedThrottle
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

OFFICE = "192.0.2.10"
STRONG = "plum-orbit-lantern-42"


def register(client, n: int, ip: str = OFFICE):
    body = {"email": f"colleague{n}@example.com", "password": STRONG, "name": f"Colleague {n}"}
    return client.post("/api/auth/register/", body, format="json", REMOTE_ADDR=ip)


def login(client, email, password=DEFAULT_PASSWORD, ip: str = OFFICE):
    return client.post("/api/auth/login/", {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)


def assert_throttled(response):
    assert response.status_code == 429, response.content
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


@pytest.fixture
def rates(monkeypatch):
    def set_rate(scope: str, rate: str):
        monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, scope, rate)

    return set_rate


def test_the_defaults_give_each_auth_scope_a_rate():
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]

    assert {"login", "register", "password_change"} <= set(rates)


def test_sign_ups_from_one_address_leave_its_logins_alone(api_client, user):
    assert [register(api_client, n).status_code for n in range(10)] == [201] * 10

    response = login(api_client, user.email)

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


def test_sign_ups_are_throttled_by_their_own_scope(api_client, user, rates):
    rates("register", "2/min")
    assert [register(api_client, n).status_code for n in range(2)] == [201, 201]

    assert_throttled(register(api_client, 2))
    assert login(api_client, user.email).status_code == 200
    assert register(api_client, 3, ip="192.0.2.99").status_code == 201


def test_failed_logins_from_one_address_are_limited_whatever_the_account(api_client, user, rates):
    rates("login", "3/min")
    strangers = [UserFactory() for _ in range(3)]
    # One failure each: no account reaches its own lockout.
    assert [login(api_client, s.email, "wrong-password").status_code for s in strangers] == [401] * 3

    # Past the budget, every login from that address waits, even a right one.
    assert_throttled(login(api_client, user.email))
    assert login(api_client, user.email, ip="192.0.2.99").status_code == 200


def test_successful_logins_do_not_use_up_the_failed_login_budget(api_client, user, rates):
    rates("login", "3/min")
    assert [login(api_client, user.email).status_code for _ in range(6)] == [200] * 6

    assert [login(api_client, "nobody@example.com", "wrong").status_code for _ in range(3)] == [401] * 3
    assert_throttled(login(api_client, user.email))


def test_bad_input_does_not_count_as_a_failed_login(api_client, user, rates):
    rates("login", "1/min")
    assert api_client.post("/api/auth/login/", {"email": user.email}, format="json").status_code == 400

    assert login(api_client, user.email).status_code == 200


def change_password(client, current: str, new: str):
    return client.post("/api/users/me/password/", {"current_password": current, "new_password": new}, format="json")


def test_wrong_current_passwords_are_limited_per_user(user, other_user, rates):
    rates("password_change", "2/hour")
    client = client_for(user)
    assert [change_password(client, "wrong-password", STRONG).status_code for _ in range(2)] == [400, 400]

    assert_throttled(change_password(client, DEFAULT_PASSWORD, STRONG))
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert change_password(client_for(other_user), DEFAULT_PASSWORD, STRONG).status_code == 200


def test_successful_password_changes_and_invalid_new_passwords_do_not_count(user, rates):
    rates("password_change", "1/hour")
    client = client_for(user)

    assert change_password(client, DEFAULT_PASSWORD, "123").status_code == 400  # refused by the validators
    assert change_password(client, DEFAULT_PASSWORD, STRONG).status_code == 200
    assert change_password(client, STRONG, "another-" + STRONG).status_code == 200


def test_writing_x_forwarded_for_does_not_buy_a_new_failed_login_budget(api_client, user, rates):
    rates("login", "2/min")
    for n in range(2):
        response = api_client.post(
            "/api/auth/login/",
            {"email": "nobody@example.com", "password": "wrong"},
            format="json",
            REMOTE_ADDR=OFFICE,
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}",
        )
        assert response.status_code == 401

    assert_throttled(login(api_client, user.email))
