"""Usage counters: TMDb calls, cache hits and misses, LLM calls and tokens, fallbacks, throttling.

`count("tmdb.request.movie_popular.ok")` adds to a per-day counter and to a running total. With Redis the
counters live in hashes (HINCRBY is atomic across every process and replica); without Redis, in the local
cache. A periodic job (movie_backend.tasks.rollup_usage) copies each day's counters into the database, so
history survives a Redis flush. Event names are dotted: family, what, outcome. Counting never raises: a lost
count must not fail a request.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

KEY_PREFIX = "usage:v1"
TOTAL_KEY = f"{KEY_PREFIX}:total"
RETENTION_SECONDS = 35 * 24 * 60 * 60
_local_lock = threading.Lock()
_pending: Counter[str] = Counter()
_pending_lock = threading.Lock()
_last_flush = time.monotonic()


def day_key(day: str | None = None) -> str:
    return f"{KEY_PREFIX}:{day or timezone.now().date().isoformat()}"


def _raw_key(key: str) -> str:
    # Redis hashes are written directly, under the same prefix the cache uses, so deployments sharing a
    # Redis stay apart and a prefix-wide cache clear clears them too.
    return cache.make_key(key)


def _redis():
    if not settings.REDIS_URL:
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def count(event: str, amount: int = 1) -> None:
    """Add `amount` to `event`. Counts are batched in this process for USAGE_FLUSH_SECONDS (a hot path must
    not pay a Redis round trip per request just to be counted) and written in one pipeline; at most that
    long's worth of counts is lost if a process dies. USAGE_FLUSH_SECONDS=0 writes every count at once."""
    global _last_flush
    interval = settings.USAGE_FLUSH_SECONDS
    with _pending_lock:
        _pending[event] += amount
        if interval > 0 and time.monotonic() - _last_flush < interval:
            return
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    _write(batch)


def flush() -> None:
    """Write the counts this process still holds (at exit, and before reading in tests)."""
    global _last_flush
    with _pending_lock:
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    if batch:
        _write(batch)


atexit.register(flush)


def _write(batch: dict[str, int]) -> None:
    key = day_key()
    try:
        redis = _redis()
        if redis is not None:
            pipe = redis.pipeline()
            for event, amount in batch.items():
                pipe.hincrby(_raw_key(key), event, amount)
                pipe.hincrby(_raw_key(TOTAL_KEY), event, amount)
            pipe.expire(_raw_key(key), RETENTION_SECONDS)
            pipe.execute()
            return
        with _local_lock:
            for k, timeout in ((key, RETENTION_SECONDS), (TOTAL_KEY, None)):
                counters = cache.get(k) or {}
                for event, amount in batch.items():
                    counters[event] = counters.get(event, 0) + amount
                cache.set(k, counters, timeout)
    except Exception as exc:  # counting is best effort by design
        logger.warning("usage counters %s not recorded: %s", sorted(batch), type(exc).__name__)


def _read(key: str) -> dict[str, int]:
    try:
        redis = _redis()
        if redis is not None:
            return {k.decode(): int(v) for k, v in redis.hgetall(_raw_key(key)).items()}
        return dict(cache.get(key) or {})
    except Exception as exc:
        logger.warning("usage counters unreadable: %s", type(exc).__name__)
        return {}


def counters_for(day: str | None = None) -> dict[str, int]:
    """All counters of one day (today by default), as {event: value}."""
    return _read(day_key(day))


def counters_total() -> dict[str, int]:
    """Running totals since the counters were last reset (what Prometheus scrapes)."""
    return _read(TOTAL_KEY)


def _total(counters: dict[str, int], prefix: str, exclude_suffix: str | None = None) -> int:
    return sum(
        value
        for event, value in counters.items()
        if event.startswith(prefix) and not (exclude_suffix and event.endswith(exclude_suffix))
    )


def summarize(counters: dict[str, int]) -> dict[str, float | int]:
    """Headline figures from flat counters named by the conventions:
    tmdb.request.<endpoint>.<outcome>, cache.hit.<family> / cache.miss.<family>, llm.call.<outcome>,
    llm.tokens.prompt / llm.tokens.completion, llm.fallback.<reason>, llm.suggestion.<outcome> (films the
    model named: resolved, invented, ambiguous, excluded, repeated), throttle.<scope>."""
    hits, misses = _total(counters, "cache.hit."), _total(counters, "cache.miss.")
    return {
        "tmdb_calls": _total(counters, "tmdb.request."),
        "tmdb_errors": _total(counters, "tmdb.request.", exclude_suffix=".ok"),
        "cache_hits": hits,
        "cache_misses": misses,
        "cache_hit_rate": round(hits / (hits + misses), 4) if hits + misses else 0.0,
        "llm_calls": _total(counters, "llm.call."),
        "llm_errors": _total(counters, "llm.call.", exclude_suffix=".ok"),
        "llm_prompt_tokens": counters.get("llm.tokens.prompt", 0),
        "llm_completion_tokens": counters.get("llm.tokens.completion", 0),
        "llm_fallbacks": _total(counters, "llm.fallback."),
        "llm_suggestions_resolved": counters.get("llm.suggestion.resolved", 0),
        "llm_suggestions_dropped": _total(counters, "llm.suggestion.", exclude_suffix=".resolved"),
        "throttled": _total(counters, "throttle."),
    }
