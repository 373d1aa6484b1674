"""Read-through caching for the movie endpoints: versioned keys, stampede-safe, stale-if-error.

An entry is stored as `{"v": value, "at": unix time}` and kept `ttl + CACHE_STALE_MAX_AGE` seconds; it is
fresh for `ttl` seconds. On a miss (or a stale entry) one caller takes a lock with `cache.add` and
produces the value; the others wait for it instead of calling upstream too. When the producer fails with a
retryable TMDb error, the last good value is served (marked stale) if it is younger than the stale limit,
else `ServiceUnavailable` (503 with Retry-After) is raised at once.

Keys: `movies:v1:<family>:<parts>`; list families also carry the cache generation, bumped by every sync,
so a sync makes every cached list page a miss without deleting anything.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from movie_backend import usage
from movie_backend.exceptions import ServiceUnavailable
from movies.tmdb import TmdbError

logger = logging.getLogger(__name__)

T = TypeVar("T")

KEY_VERSION = "v1"
CATALOG_VERSION_KEY = f"movies:{KEY_VERSION}:catalog_version"
# How long a producer may hold the lock, and how long the others wait for its answer.
LOCK_TIMEOUT = 30
WAIT_TIMEOUT = 15.0
WAIT_STEP = 0.02
# After a failed produce, callers within this many seconds fail fast instead of calling again.
FAILURE_MEMORY = 5


@dataclass
class CacheResult:
    value: Any
    stale: bool = False  # served past its TTL because the upstream failed
    age: float = 0.0


def make_key(family: str, *parts: Any) -> str:
    raw = ":".join(str(p) for p in parts)
    if len(raw) > 120 or any(c in raw for c in " \n\t"):
        raw = hashlib.sha256(raw.encode()).hexdigest()  # stable across processes, unlike hash()
    return f"movies:{KEY_VERSION}:{family}:{raw}"


# The version is read on every list request; each process remembers it this long (a sync shows up in
# lists at most this much later in other processes, at once in its own), saving a cache round trip.
VERSION_MEMO_SECONDS = 1.0
_version_memo: tuple[int, float] | None = None


def cache_generation() -> int:
    """The generation of the cached list pages: a counter that `catalog_changed` bumps on every write to the
    mirror. Not the catalog version (recommendations.selectors.catalog_version, read from the rows): this is
    what the writers announce, read from the cache alone, so a list request never queries the database for it.
    """
    global _version_memo
    now = time.monotonic()
    if _version_memo is not None and now - _version_memo[1] < VERSION_MEMO_SECONDS:
        return _version_memo[0]
    version = cache.get(CATALOG_VERSION_KEY)
    if version is None:
        cache.add(CATALOG_VERSION_KEY, int(time.time() * 1000), timeout=None)
        version = cache.get(CATALOG_VERSION_KEY, 0)
    _version_memo = (version, now)
    return version


def catalog_changed() -> None:
    """Call after writing to the mirror: every cached list page becomes a miss."""
    global _version_memo
    try:
        version = cache.incr(CATALOG_VERSION_KEY)  # atomic: two syncs never end on the same version
    except ValueError:
        version = int(time.time() * 1000)
        cache.set(CATALOG_VERSION_KEY, version, timeout=None)
    _version_memo = (version, time.monotonic())


# --- Process-local tier and batched hit counters ----------------------------------------------------

LOCAL_MAX_ENTRIES = 512
_local: OrderedDict[str, tuple[dict, float]] = OrderedDict()
_local_lock = threading.Lock()


def _local_get(key: str) -> dict | None:
    with _local_lock:
        item = _local.get(key)
        if item is None:
            return None
        if time.monotonic() > item[1]:
            del _local[key]
            return None
        return item[0]


def _local_put(key: str, entry: dict) -> None:
    with _local_lock:
        _local[key] = (entry, time.monotonic() + settings.CACHE_LOCAL_SECONDS)
        _local.move_to_end(key)
        while len(_local) > LOCAL_MAX_ENTRIES:
            _local.popitem(last=False)


def local_clear() -> None:
    """Forget what this process keeps: the local tier and the remembered cache generation."""
    global _version_memo
    with _local_lock:
        _local.clear()
    _version_memo = None


def put(key: str, value: Any, *, ttl: int) -> None:
    cache.set(key, {"v": value, "at": time.time()}, timeout=ttl + settings.CACHE_STALE_MAX_AGE)


def lookup(key: str, *, family: str, ttl: int) -> Any | None:
    """The fresh value stored under `key` by `store`, or None: no producing, no lock (a miss is the caller's
    to handle). Checks this process first, then the shared cache."""
    local = settings.CACHE_LOCAL_SECONDS > 0
    entry = _local_get(key) if local else None
    if entry is None:
        entry = cache.get(key)
        if entry is not None and local:
            _local_put(key, entry)
    if entry is None or time.time() - entry["at"] >= ttl:
        usage.count(f"cache.miss.{family}")
        return None
    usage.count(f"cache.hit.{family}")
    return entry["v"]


def store(key: str, value: Any, *, ttl: int) -> None:
    """Keep `value` for `lookup` for `ttl` seconds (never served stale: no stale margin)."""
    entry = {"v": value, "at": time.time()}
    cache.set(key, entry, timeout=ttl)
    if settings.CACHE_LOCAL_SECONDS > 0:
        _local_put(key, entry)


class CachedCount:
    """A queryset to paginate whose `count()` is kept under `key` for `ttl` seconds (the key carries the
    cache generation): every page of one list shares a single COUNT. Slices still come from the queryset.

    The count stops at MIRROR_COUNT_MAX (10,000: TMDb's own 500 pages of 20), so a broad filter over a
    catalog of a million costs the same as over a hundred thousand; the pages end there too.
    """

    def __init__(self, queryset, *, key: str, ttl: int):
        self.queryset, self.key, self.ttl = queryset, key, ttl

    @property
    def ordered(self) -> bool:
        return self.queryset.ordered

    def count(self) -> int:
        count = cache.get(self.key)
        if count is None:
            # Unordered: any MIRROR_COUNT_MAX rows count the same, and an ORDER BY in the subquery would walk
            # the sort's index with a heap fetch per row (330 ms instead of 37 at 1M movies).
            count = self.queryset.order_by()[: settings.MIRROR_COUNT_MAX].count()
            cache.set(self.key, count, timeout=self.ttl)
        return count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        return self.queryset[index]


def read_through(key: str, producer: Callable[[], T], *, family: str, ttl: int, local: bool = False) -> CacheResult:
    """The cached value for `key`, produced by `producer()` on a miss by exactly one caller at a time.

    `local=True` (hot list pages) also keeps the value in this process for CACHE_LOCAL_SECONDS, so a hot
    page costs no cache round trip at all; the key carries the cache generation, so that is safe.
    """
    local = local and settings.CACHE_LOCAL_SECONDS > 0
    if local:
        entry = _local_get(key)
        if entry is not None and time.time() - entry["at"] < ttl:
            usage.count(f"cache.hit.{family}")
            return CacheResult(entry["v"], age=time.time() - entry["at"])
    entry = cache.get(key)
    now = time.time()
    if entry is not None and now - entry["at"] < ttl:
        usage.count(f"cache.hit.{family}")
        if local:
            _local_put(key, entry)
        return CacheResult(entry["v"], age=now - entry["at"])
    usage.count(f"cache.miss.{family}")
    result = _read_through_miss(key, entry, producer, ttl=ttl, now=now)
    if local and not result.stale:
        _local_put(key, {"v": result.value, "at": time.time() - result.age})
    return result


def _read_through_miss(key: str, entry: dict | None, producer: Callable[[], T], *, ttl: int, now: float):
    lock_key = f"{key}:lock"
    failure_key = f"{key}:failed"
    deadline = time.monotonic() + WAIT_TIMEOUT
    while True:
        failed = cache.get(failure_key)
        if failed is not None:
            return _stale_or_unavailable(entry, retry_after=failed)
        locked = cache.add(lock_key, 1, timeout=LOCK_TIMEOUT)
        if locked is None:
            # django-redis answers None, not False, when Redis is down: no one can hold the lock, so
            # waiting for it would only end in a 503; produce the value from the database or TMDb.
            return _produce(key, failure_key, entry, producer, ttl=ttl)
        if locked:
            try:
                # Another caller may have produced it between our read and our lock: check again.
                current = cache.get(key)
                if current is not None and time.time() - current["at"] < ttl:
                    return CacheResult(current["v"], age=time.time() - current["at"])
                return _produce(key, failure_key, entry, producer, ttl=ttl)
            finally:
                cache.delete(lock_key)
        if entry is not None:
            # Someone is refreshing it already: the old value is good enough meanwhile.
            return CacheResult(entry["v"], age=now - entry["at"])
        if time.monotonic() > deadline:
            raise ServiceUnavailable("The movie service is busy. Try again shortly.", retry_after=5)
        time.sleep(WAIT_STEP)
        fresh = cache.get(key)
        if fresh is not None and time.time() - fresh["at"] < ttl:
            return CacheResult(fresh["v"], age=time.time() - fresh["at"])


def _produce(key: str, failure_key: str, entry: dict | None, producer: Callable[[], T], *, ttl: int) -> CacheResult:
    try:
        value = producer()
    except TmdbError as exc:
        if not exc.retryable:
            raise
        retry_after = int(max(1, min(exc.retry_after or 30, 300)))
        cache.set(failure_key, retry_after, timeout=min(FAILURE_MEMORY, retry_after))
        logger.warning("upstream failed for %s (%s); trying the stale copy", key, exc.outcome)
        return _stale_or_unavailable(entry, retry_after=retry_after)
    put(key, value, ttl=ttl)
    return CacheResult(value)


def _stale_or_unavailable(entry: dict | None, *, retry_after: int) -> CacheResult:
    if entry is not None:
        age = time.time() - entry["at"]
        if age <= settings.CACHE_STALE_MAX_AGE:
            usage.count("cache.stale_served")
            return CacheResult(entry["v"], stale=True, age=age)
    raise ServiceUnavailable(
        "TMDb is unavailable and nothing cached can answer. Try again later.", retry_after=retry_after
    )
