"""Login lockout (users/lockout.py over django-axes), on the API and on the admin login form.

Per account and address: failures count per email and address, the lockout is a 429 with Retry-After, and it
ends after the cool-off. Per account, whatever the address: guesses spread over many addresses lock the
account briefly, except from addresses its owner logged in from. Time is moved by patching axes' clock (both
rules read the time of an attempt from it), never by sleeping."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

LIMIT = settings.AXES_FAILURE_LIMIT
COOL_OFF = settings.AXES_COOLOFF_TIME
ACCOUNT_LIMIT = settings.LOGIN_ACCOUNT_FAILURE_LIMIT
ACCOUNT_COOL_OFF = settings.LOGIN_ACCOUNT_COOLOFF_SECONDS
ACCOUNT_COOL_OFF_MAX = settings.LOGIN_ACCOUNT_COOLOFF_MAX_SECONDS
OWNER_ADDRESS = "198.51.100.7"


def login(client, email, password, ip="127.0.0.1"):
    return client.post("/api/auth/login/", {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)


def admin_login(email, password, ip="127.0.0.1"):
    """The Django admin login form, as a browser posts it: the email goes in the `username` field."""
    return Client().post("/admin/login/?next=/admin/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def at(moment: datetime.datetime):
    """Axes reads the time of an attempt from this one clock (the cool-off threshold derives from it)."""
    return mock.patch("axes.handlers.proxy.now", return_value=moment)


def fail(client, email, times, ip="127.0.0.1"):
    return [login(client, email, "wrong-password", ip).status_code for _ in range(times)]


def assert_locked(response, retry_after: int | None = None):
    assert response.status_code == 429, response.content
    assert response.json()["code"] == "account_locked"
    assert response.json()["status"] == "error"
    if retry_after is not None:
        assert int(response["Retry-After"]) == retry_after
    return int(response["Retry-After"])


def attacker(n: int) -> str:
    return f"203.0.113.{n}"


# --- Per account and address, on the API --------------------------------------------------------------


def test_the_limit_th_failure_locks_and_even_the_right_password_is_refused(api_client, user):
    assert fail(api_client, user.email, LIMIT - 1) == [401] * (LIMIT - 1)

    assert_locked(login(api_client, user.email, "wrong-password"), int(COOL_OFF.total_seconds()))
    assert_locked(login(api_client, user.email, DEFAULT_PASSWORD))


def test_the_lockout_counts_the_email_in_any_case(api_client, user):
    fail(api_client, user.email.upper(), LIMIT - 1)

    assert login(api_client, user.email, "wrong-password").status_code == 429


def test_the_lockout_ends_after_the_cool_off(api_client, user):
    start = timezone.now()
    with at(start):
        fail(api_client, user.email, LIMIT)
    with at(start + COOL_OFF - datetime.timedelta(seconds=30)):
        assert login(api_client, user.email, DEFAULT_PASSWORD).status_code == 429
    # An attempt during the lockout restarts the cool-off, so count from it.
    later = start + COOL_OFF - datetime.timedelta(seconds=30) + COOL_OFF + datetime.timedelta(seconds=1)
    with at(later):
        response = login(api_client, user.email, DEFAULT_PASSWORD)

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


def test_a_success_resets_the_failure_count(api_client, user):
    fail(api_client, user.email, LIMIT - 1)
    assert login(api_client, user.email, DEFAULT_PASSWORD).status_code == 200

    assert fail(api_client, user.email, LIMIT - 1) == [401] * (LIMIT - 1)


def test_a_lockout_of_one_email_leaves_other_emails_from_that_address_alone(api_client, user, other_user):
    fail(api_client, user.email, LIMIT)

    # A mistyped password of another account from the same address is an ordinary failure, not a lockout.
    assert login(api_client, other_user.email, "wrong-password").status_code == 401
    assert login(api_client, other_user.email, DEFAULT_PASSWORD).status_code == 200


def test_a_lockout_from_one_address_leaves_that_email_from_other_addresses_alone(api_client, user):
    fail(api_client, user.email, LIMIT, ip=attacker(1))

    assert login(api_client, user.email, DEFAULT_PASSWORD, ip=OWNER_ADDRESS).status_code == 200


# --- Per account and address, on the admin login form ---------------------------------------------------


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def other_staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


def test_admin_failures_lock_that_account_from_that_address(staff):
    statuses = [admin_login(staff.email, "wrong-password").status_code for _ in range(LIMIT - 1)]
    assert statuses == [200] * (LIMIT - 1)  # the form again, with its error

    locked = admin_login(staff.email, "wrong-password")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == int(COOL_OFF.total_seconds())
    assert admin_login(staff.email, DEFAULT_PASSWORD).status_code == 429


def test_admin_lockout_of_one_account_leaves_other_accounts_from_that_address_alone(staff, other_staff):
    for _ in range(LIMIT):
        admin_login(staff.email, "wrong-password")

    # Before, the admin form's failures were counted per address only: this first mistype was a 429.
    assert admin_login(other_staff.email, "wrong-password").status_code == 200
    signed_in = admin_login(other_staff.email, DEFAULT_PASSWORD)
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/admin/"


def test_admin_form_and_api_count_the_same_account_in_any_case(api_client, staff):
    fail(api_client, staff.email, LIMIT - 2)
    assert admin_login(staff.email.upper(), "wrong-password").status_code == 200

    assert admin_login(staff.email, "wrong-password").status_code == 429
    assert_locked(login(api_client, staff.email, DEFAULT_PASSWORD))


def test_an_admin_success_resets_the_count_of_its_account_only(staff, other_staff):
    for _ in range(LIMIT - 1):
        admin_login(staff.email, "wrong-password")
        admin_login(other_staff.email, "wrong-password")

    assert admin_login(staff.email, DEFAULT_PASSWORD).status_code == 302

    assert admin_login(staff.email, "wrong-password").status_code == 200
    assert admin_login(other_staff.email, "wrong-password").status_code == 429


# --- Per account, whatever the address --------------------------------------------------------------------


def spread_failures(client, email, count, start=1):
    """`count` failures of one account from as many addresses as it takes to stay under the per-address limit;
    returns the status of each and the next unused address number."""
    statuses, n = [], start
    while len(statuses) < count:
        batch = min(LIMIT - 1, count - len(statuses))
        statuses += fail(client, email, batch, ip=attacker(n))
        n += 1
    return statuses, n


def test_guesses_spread_over_many_addresses_lock_the_account_briefly(api_client, user):
    statuses, n = spread_failures(api_client, user.email, ACCOUNT_LIMIT - 1)
    assert statuses == [401] * (ACCOUNT_LIMIT - 1)

    assert_locked(login(api_client, user.email, "wrong-password", ip=attacker(n)), ACCOUNT_COOL_OFF)
    # From yet another address, even the right password waits out the cool-off.
    assert 0 < assert_locked(login(api_client, user.email, DEFAULT_PASSWORD, ip=attacker(n + 1))) <= ACCOUNT_COOL_OFF


def test_the_owner_at_an_address_they_logged_in_from_is_not_locked_out_by_them(api_client, user):
    assert login(api_client, user.email, DEFAULT_PASSWORD, ip=OWNER_ADDRESS).status_code == 200
    _, n = spread_failures(api_client, user.email, ACCOUNT_LIMIT + 2)
    assert login(api_client, user.email, DEFAULT_PASSWORD, ip=attacker(n)).status_code == 429

    assert login(api_client, user.email, DEFAULT_PASSWORD, ip=OWNER_ADDRESS).status_code == 200
    # The owner's success does not lift the lock for the others.
    assert login(api_client, user.email, DEFAULT_PASSWORD, ip=attacker(n)).status_code == 429


def test_the_account_lock_ends_after_its_cool_off_and_doubles_with_each_further_failure(api_client, user):
    start = timezone.now()
    with at(start):
        _, n = spread_failures(api_client, user.email, ACCOUNT_LIMIT)
    cool_offs = [ACCOUNT_COOL_OFF]
    moment = start
    while cool_offs[-1] < ACCOUNT_COOL_OFF_MAX:
        moment += datetime.timedelta(seconds=cool_offs[-1] + 1)
        with at(moment):
            cool_offs.append(assert_locked(login(api_client, user.email, "wrong-password", ip=attacker(n))))
        n += 1
    assert cool_offs == [min(ACCOUNT_COOL_OFF * 2**i, ACCOUNT_COOL_OFF_MAX) for i in range(len(cool_offs))]

    with at(moment + datetime.timedelta(seconds=ACCOUNT_COOL_OFF_MAX - 1)):
        assert login(api_client, user.email, DEFAULT_PASSWORD, ip=attacker(n)).status_code == 429
    with at(moment + datetime.timedelta(seconds=ACCOUNT_COOL_OFF_MAX + 1)):
        assert login(api_client, user.email, DEFAULT_PASSWORD, ip=attacker(n)).status_code == 200


def test_attempts_refused_by_the_account_lock_neither_extend_it_nor_count_against_the_address(api_client, user):
    start = timezone.now()
    with at(start):
        _, n = spread_failures(api_client, user.email, ACCOUNT_LIMIT)
    newcomer = attacker(n)
    with at(start + datetime.timedelta(seconds=ACCOUNT_COOL_OFF - 5)):
        # More than the per-address limit, all refused before any password is checked.
        assert [login(api_client, user.email, "wrong-password", ip=newcomer).status_code for _ in range(LIMIT + 1)] == [
            429
        ] * (LIMIT + 1)

    with at(start + datetime.timedelta(seconds=ACCOUNT_COOL_OFF + 1)):
        assert login(api_client, user.email, DEFAULT_PASSWORD, ip=newcomer).status_code == 200


def test_the_account_lock_applies_to_the_admin_form_too(api_client, staff):
    _, n = spread_failures(api_client, staff.email, ACCOUNT_LIMIT)

    locked = admin_login(staff.email, DEFAULT_PASSWORD, ip=attacker(n))
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= ACCOUNT_COOL_OFF


def test_the_account_lock_leaves_other_accounts_alone(api_client, user, other_user):
    _, n = spread_failures(api_client, user.email, ACCOUNT_LIMIT)

    assert login(api_client, other_user.email, "wrong-password", ip=attacker(n)).status_code == 401
    assert login(api_client, other_user.email, DEFAULT_PASSWORD, ip=attacker(n)).status_code == 200
