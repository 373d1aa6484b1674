"""Fault drills: the service with one dependency broken at a time (Redis, PostgreSQL, TMDb, the LLM)."""

from __future__ import annotations

import pytest

from movies import tmdb as tmdb_module
from tests.fakes.tmdb import FakeTmdb
from tests.recommendations.conftest import catalog  # noqa: F401 (the hand-made catalog, as a fixture here)

# Nothing listens on port 1: every connection is refused at once, as with a stopped Redis.
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _offline_by_default(settings):
    """No drill reaches TMDb or an LLM unless it asks for the fake; whatever the environment says."""
    settings.TMDB_API_KEY = ""
    settings.TMDB_READ_ACCESS_TOKEN = ""
    settings.TMDB_RATE_LIMIT = 1000
    settings.TMDB_CONNECT_TIMEOUT = 1
    settings.TMDB_READ_TIMEOUT = 2
    settings.OPENAI_API_KEY = ""


@pytest.fixture
def tmdb(settings):
    """TMDb configured with a v4 bearer token and served by the loopback stand-in."""
    with FakeTmdb() as fake:
        settings.TMDB_API_BASE_URL = fake.base_url
        settings.TMDB_READ_ACCESS_TOKEN = fake.token
        yield fake


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The cache, throttles, usage counters and TMDb rate limiter all pointed at a Redis that is down.

    Configured as production configures a real Redis (django-redis, IGNORE_EXCEPTIONS on).
    """
    settings.REDIS_URL = DEAD_REDIS_URL
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": DEAD_REDIS_URL,
            "KEY_PREFIX": "drill",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    settings.DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    settings.CACHE_LOCAL_SECONDS = 0
    # The process-wide TMDb limiter binds to Redis when first built: rebuild it against the dead one.
    monkeypatch.setattr(tmdb_module, "_local_limiter", None)
    return DEAD_REDIS_URL
