"""POST /api/auth/password/reset/ and .../confirm/: a mailed uid and token, once, logging out every session."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import TestCase
from rest_framework.test import APIClient

from movie_backend.throttling import FixedWindowThrottle
from tests.factories import DEFAULT_PASSWORD, UserFactory

RESET = "/api/auth/password/reset/"
CONFIRM = "/api/auth/password/reset/confirm/"
LOGIN = "/api/auth/login/"
REFRESH = "/api/auth/refresh/"
NEW_PASSWORD = "a-brand-new-passphrase-42"
pytestmark = pytest.mark.django_db


def ask(email: str):
    # The mail is queued when the request commits: run what the test's transaction holds back.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return APIClient().post(RESET, {"email": email}, format="json")


def link_in(mail) -> dict[str, str]:
    return dict(re.findall(r"^(uid|token): (\S+)$", mail.body, flags=re.M))


def confirm(uid: str, token: str, password: str = NEW_PASSWORD):
    return APIClient().post(CONFIRM, {"uid": uid, "token": token, "new_password": password}, format="json")


def login(email: str, password: str):
    return APIClient().post(LOGIN, {"email": email, "password": password}, format="json")


def test_an_account_gets_a_mail_with_a_link_built_from_the_setting(mailoutbox, settings):
    settings.PASSWORD_RESET_URL = "https://app.example.com/reset?uid={uid}&token={token}"
    user = UserFactory(email="ada@example.com")

    response = ask("ADA@example.com")

    assert response.status_code == 202
    (mail,) = mailoutbox
    assert mail.to == ["ada@example.com"]
    assert mail.from_email == settings.DEFAULT_FROM_EMAIL
    found = link_in(mail)
    assert f"https://app.example.com/reset?uid={found['uid']}&token={found['token']}" in mail.body
    assert default_token_generator.check_token(user, found["token"])  # Django's generator made it


def test_an_unknown_address_answers_the_same_and_sends_nothing(mailoutbox):
    UserFactory(email="ada@example.com")

    known, unknown = ask("ada@example.com"), ask("nobody@example.com")

    assert (known.status_code, unknown.status_code) == (202, 202)
    assert known.content == unknown.content
    assert [mail.to for mail in mailoutbox] == [["ada@example.com"]]


def test_the_token_sets_the_password_once(mailoutbox):
    UserFactory(email="ada@example.com")
    ask("ada@example.com")
    found = link_in(mailoutbox[0])

    assert confirm(found["uid"], found["token"]).status_code == 204
    assert login("ada@example.com", NEW_PASSWORD).status_code == 200
    assert login("ada@example.com", DEFAULT_PASSWORD).status_code == 401

    again = confirm(found["uid"], found["token"], "yet-another-passphrase-7")
    assert again.status_code == 400
    assert "token" in again.json()["errors"]


def test_a_reset_logs_out_every_session(mailoutbox):
    UserFactory(email="ada@example.com")
    refresh = login("ada@example.com", DEFAULT_PASSWORD).json()["refresh"]
    ask("ada@example.com")
    found = link_in(mailoutbox[0])

    confirm(found["uid"], found["token"])

    response = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.parametrize(
    ("uid", "token"),
    [("MQ", "not-a-token"), ("!!", "x-y"), ("OTk5OTk5", "cf5x2k-3a9e4f0c1b2d5e6f7a8b")],
)
def test_a_bad_link_is_a_400_on_token(uid, token):
    UserFactory()

    response = confirm(uid, token)

    assert response.status_code == 400
    assert response.json()["errors"] == {"token": ["The reset link is invalid or has expired: ask for a new one."]}


def test_a_weak_new_password_is_a_400_and_the_link_still_works(mailoutbox):
    UserFactory(email="ada@example.com")
    ask("ada@example.com")
    found = link_in(mailoutbox[0])

    weak = confirm(found["uid"], found["token"], "12345678")

    assert weak.status_code == 400
    assert "new_password" in weak.json()["errors"]
    assert confirm(found["uid"], found["token"]).status_code == 204


def test_requests_are_throttled_on_their_own_scope(mailoutbox, monkeypatch):
    rates = {**FixedWindowThrottle.THROTTLE_RATES, "password_reset": "2/hour"}
    monkeypatch.setattr(FixedWindowThrottle, "THROTTLE_RATES", rates)
    UserFactory(email="ada@example.com")

    statuses = [ask("ada@example.com").status_code for _ in range(3)]

    assert statuses == [202, 202, 429]
    assert len(mailoutbox) == 2
    assert login("ada@example.com", DEFAULT_PASSWORD).status_code == 200  # the login scope is not spent


def test_a_malformed_address_is_a_400():
    response = APIClient().post(RESET, {"email": "not-an-address"}, format="json")

    assert response.status_code == 400
    assert "email" in response.json()["errors"]
