"""Fixtures for the accounts tests: a second user for ownership checks, and movies to point at."""

from __future__ import annotations

import pytest

from tests.conftest import client_for
from tests.factories import MovieFactory, UserFactory
from tests.fakes.tmdb import FakeTmdb


@pytest.fixture(autouse=True)
def _offline_by_default(settings):
    """No test reaches TMDb unless it asks for `tmdb`, whatever the environment says."""
    settings.TMDB_API_KEY = ""
    settings.TMDB_READ_ACCESS_TOKEN = ""
    settings.TMDB_RATE_LIMIT = 1000
    settings.TMDB_CONNECT_TIMEOUT = 1
    settings.TMDB_READ_TIMEOUT = 2


@pytest.fixture
def tmdb(settings):
    """TMDb served by the loopback stand-in (tests/fakes/tmdb.py)."""
    with FakeTmdb() as fake:
        settings.TMDB_API_BASE_URL = fake.base_url
        settings.TMDB_READ_ACCESS_TOKEN = fake.token
        yield fake


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
