"""Usage counters: TMDb calls, cache hits and misses, LLM calls and tokens, fallbacks, throttling.

`count("tmdb.request.movie_popular.ok")` adds to a per-day counter. With Redis the counters live in one
hash per day (HINCRBY is atomic across every process); without Redis, in the local cache. Event names are
dotted: family, then what, then outcome. Counting never raises: a lost count must not fail a request.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

KEY_PREFIX = "usage:v1"
RETENTION_SECONDS = 35 * 24 * 60 * 60
_local_lock = threading.Lock()


def _day_key(day: str | None = None) -> str:
    return f"{KEY_PREFIX}:{day or timezone.now().date().isoformat()}"


def _redis():
    if not settings.REDIS_URL:
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def count(event: str, amount: int = 1) -> None:
    key = _day_key()
    try:
        redis = _redis()
        if redis is not None:
            pipe = redis.pipeline()
            pipe.hincrby(key, event, amount)
            pipe.expire(key, RETENTION_SECONDS)
            pipe.execute()
            return
        with _local_lock:
            counters = cache.get(key) or {}
            counters[event] = counters.get(event, 0) + amount
            cache.set(key, counters, RETENTION_SECONDS)
    except Exception as exc:  # counting is best effort by design
        logger.warning("usage counter %s not recorded: %s", event, type(exc).__name__)


def counters_for(day: str | None = None) -> dict[str, int]:
    """All counters of one day (today by default), as {event: value}."""
    key = _day_key(day)
    try:
        redis = _redis()
        if redis is not None:
            return {k.decode(): int(v) for k, v in redis.hgetall(key).items()}
        return dict(cache.get(key) or {})
    except Exception as exc:
        logger.warning("usage counters unreadable: %s", type(exc).__name__)
        return {}
