"""Fixtures shared by every test package."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from movies import cache as movie_cache


@pytest.fixture(autouse=True)
def _offline_by_default(settings):
    """No test reaches TMDb or an LLM unless it asks for a loopback fake, whatever the environment says."""
    settings.TMDB_API_KEY = ""
    settings.TMDB_READ_ACCESS_TOKEN = ""
    settings.TMDB_RATE_LIMIT = 1000
    settings.TMDB_CONNECT_TIMEOUT = 1
    settings.TMDB_READ_TIMEOUT = 2
    settings.OPENAI_API_KEY = ""


@pytest.fixture
def fake_tmdb():
    from tests.fakes.tmdb import FakeTmdb

    with FakeTmdb() as fake:
        yield fake


@pytest.fixture
def tmdb(settings, fake_tmdb):
    """TMDb configured with a v4 bearer token and served by the loopback stand-in (tests/fakes/tmdb.py)."""
    settings.TMDB_API_BASE_URL = fake_tmdb.base_url
    settings.TMDB_READ_ACCESS_TOKEN = fake_tmdb.token
    return fake_tmdb


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (only this run's keys: django-redis honours the key prefix)."""
    _clear_cache()
    yield
    _clear_cache()


def _clear_cache() -> None:
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()
    movie_cache.local_clear()  # and the cache generation this process remembers, gone with the cache


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


def client_for(user) -> APIClient:
    """An API client authenticated as `user` with a fresh access token."""
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def auth_client(user) -> APIClient:
    return client_for(user)
