"""Fault drills: the service with one dependency broken at a time (Redis, PostgreSQL, TMDb, the LLM)."""

from __future__ import annotations

import pytest

from movies import tmdb as tmdb_module
from tests.recommendations.conftest import catalog  # noqa: F401 (the hand-made catalog, as a fixture here)

# Nothing listens on port 1: every connection is refused at once, as with a stopped Redis.
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"


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


@pytest.fixture
def broker_down(redis_down, settings, monkeypatch):
    """Redis down, with Celery as production runs it: tasks are published to that Redis, not run in-process."""
    from movie_backend.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis_down
    # Publishing pools its connections per app: start from none, so this test makes its own to the dead Redis.
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    return redis_down
