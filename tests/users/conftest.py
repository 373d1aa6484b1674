"""Fixtures for the accounts tests: a second user for ownership checks, and movies to point at."""

from __future__ import annotations

import pytest

from tests.conftest import client_for
from tests.factories import MovieFactory, UserFactory


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def other_client(other_user):
    return client_for(other_user)


@pytest.fixture
def movie(db):
    return MovieFactory()


@pytest.fixture
def adult_movie(db):
    return MovieFactory(adult=True, title="An adult title")


def taste_version(user) -> int:
    user.refresh_from_db(fields=["taste_version"])
    return user.taste_version


@pytest.fixture
def fast_passwords(settings):
    """A cheap hasher for tests that make dozens of login attempts: they assert lockout rules, not Argon2.

    Request it before any user fixture, so their passwords are hashed with it too."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
