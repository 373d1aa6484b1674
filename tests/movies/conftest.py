"""Fixtures for the movie tests: offline by default, a loopback TMDb stand-in on request."""

from __future__ import annotations

import pytest

from tests.fakes.tmdb import FakeTmdb


@pytest.fixture(autouse=True)
def _offline_by_default(settings):
    """No test reaches TMDb unless it asks for `tmdb`; whatever the environment says."""
    settings.TMDB_API_KEY = ""
    settings.TMDB_READ_ACCESS_TOKEN = ""
    settings.TMDB_RATE_LIMIT = 1000
    settings.TMDB_CONNECT_TIMEOUT = 1
    settings.TMDB_READ_TIMEOUT = 2


@pytest.fixture
def fake_tmdb():
    with FakeTmdb() as fake:
        yield fake


@pytest.fixture
def tmdb(settings, fake_tmdb) -> FakeTmdb:
    """TMDb configured with a v4 bearer token and served by the loopback stand-in."""
    settings.TMDB_API_BASE_URL = fake_tmdb.base_url
    settings.TMDB_READ_ACCESS_TOKEN = fake_tmdb.token
    return fake_tmdb


@pytest.fixture
def tmdb_v3(settings, fake_tmdb) -> FakeTmdb:
    """TMDb configured with a v3 api_key only."""
    settings.TMDB_API_BASE_URL = fake_tmdb.base_url
    settings.TMDB_API_KEY = fake_tmdb.api_key
    return fake_tmdb
