"""Throttles with one atomic counter per client and window.

DRF's stock throttles keep a list of request timestamps per client and read and rewrite it on every request:
two cache round trips each, and a list as long as the rate (a 10,000/min rate stores 10,000 floats). These
count in fixed windows instead: one INCR in Redis (one round trip, atomic across every process and
replica), O(1) memory whatever the rate. The price is the usual fixed-window edge:
a client can spend one window's allowance at its end and the next at its start.

Each request is checked by exactly one of the default throttles: anonymous callers by `anon` (per address),
authenticated ones by `user` (per user id). Views add `ScopedThrottle` with a `throttle_scope`, or
`FailureThrottle`, which counts only the attempts the view reports as failed (`count_failure`).

A client's address is `client_address` everywhere (these throttles and the login lockout): REMOTE_ADDR, or
with NUM_PROXIES proxies in front, the address the outermost one of them saw.
"""

from __future__ import annotations

import logging
import os
import threading

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str | None:
    """The caller's address: REMOTE_ADDR, or the NUM_PROXIES-th address from the right of X-Forwarded-For.

    DRF's rule for NUM_PROXIES set; unset (None) it would trust the whole header, which any client can write.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    proxies = api_settings.NUM_PROXIES or 0
    if not proxies or not forwarded:
        return remote_addr
    addresses = [address.strip() for address in forwarded.split(",")]
    return addresses[-min(proxies, len(addresses))] or remote_addr


def counter_incr(key: str, ttl: int, *, sliding: bool = False) -> int:
    """Add one to a counter that expires `ttl` seconds after it was created (after its last increment when
    `sliding`), and return the new value. Atomic across processes with Redis."""
    if settings.REDIS_URL:
        from django_redis import get_redis_connection

        redis = get_redis_connection("default")
        raw = cache.make_key(key)
        if sliding:  # a per-account key that must never outlive its TTL: both in one transaction
            return int(redis.pipeline().incr(raw).expire(raw, ttl).execute()[0])
        # A window's counter: one INCR per request, and the EXPIRE only when it is new (cheaper on the hot path
        # than a MULTI/EXEC pipeline). A crash between the two orphans one small key of that window only.
        count = _held_incr(redis, raw)
        if count == 1:
            redis.expire(raw, ttl)
        return count
    if cache.add(key, 1, ttl):
        return 1
    try:
        value = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ttl)
        return 1
    if sliding:
        cache.touch(key, ttl)
    return value


_held = threading.local()


def _held_incr(redis, raw_key: str) -> int:
    """INCR over a connection this thread keeps for it: the same one atomic command in Redis, without the
    client's per-command pool checkout (a lock and a readiness poll each time): 61-80 us of CPU against
    101-168 us through the client, interleaved in one process on this 2-core machine, on every throttled
    request. The connection is this thread's and this process's, and is replaced when the client's pool
    changes; any failure drops it (the caller fails open, the next request connects again)."""
    pool = redis.connection_pool
    connection = getattr(_held, "connection", None)
    if connection is None or _held.owner != (os.getpid(), id(pool)):
        if connection is not None:
            connection.disconnect()
        connection = pool.connection_class(**pool.connection_kwargs)
        _held.connection, _held.owner = connection, (os.getpid(), id(pool))
    try:
        connection.send_packed_command(connection.pack_command("INCR", raw_key))
        return int(connection.read_response())
    except BaseException:
        _held.connection = None
        connection.disconnect()
        raise


def counter_get(key: str) -> int:
    if settings.REDIS_URL:
        from django_redis import get_redis_connection

        value = get_redis_connection("default").get(cache.make_key(key))
        return int(value) if value is not None else 0
    return int(cache.get(key) or 0)


class FixedWindowThrottle(SimpleRateThrottle):
    wait_seconds = 0

    def get_ident(self, request) -> str | None:
        return client_address(request)

    def window(self) -> tuple[int, int]:
        """(now, start of the current window), in whole seconds."""
        now = int(self.timer())
        return now, now - now % self.duration

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now, window_start = self.window()
        try:
            count = counter_incr(f"{self.key}:{window_start}", ttl=self.duration + 1)
        except Exception as exc:  # a cache outage must not take the API down: fail open, and say so
            logger.warning("throttle %s not checked: %s", self.scope, type(exc).__name__)
            return True
        if count > self.num_requests:
            self.wait_seconds = window_start + self.duration - now
            return False
        return True

    def wait(self) -> float:
        return max(1, self.wait_seconds)


class AnonThrottle(FixedWindowThrottle):
    scope = "anon"

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserThrottle(FixedWindowThrottle):
    scope = "user"

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None  # anonymous callers are AnonThrottle's
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ScopedThrottle(FixedWindowThrottle):
    """The view's `throttle_scope`, per user when authenticated, else per address."""

    scope_attr = "throttle_scope"

    def __init__(self):
        # The scope comes from the view, so the rate is resolved in allow_request.
        pass

    def resolve_scope(self, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return False
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return True

    def allow_request(self, request, view) -> bool:
        if not self.resolve_scope(view):
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class FailureThrottle(ScopedThrottle):
    """The view's `throttle_scope`, counting failed attempts only (per user when authenticated, else per
    address): once a client's failures in the current window reach the rate, every attempt of that client is
    refused until the window ends. A success costs nothing; the view reports a failure with `count_failure`.
    """

    def allow_request(self, request, view) -> bool:
        if not self.resolve_scope(view) or self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        now, window_start = self.window()
        try:
            failures = counter_get(f"{self.key}:{window_start}")
        except Exception as exc:  # fail open, as every throttle does
            logger.warning("throttle %s not checked: %s", self.scope, type(exc).__name__)
            return True
        if failures >= self.num_requests:
            self.wait_seconds = window_start + self.duration - now
            return False
        return True

    def record_failure(self, request, view) -> None:
        if not self.resolve_scope(view) or self.rate is None:
            return
        _, window_start = self.window()
        try:
            counter_incr(f"{self.get_cache_key(request, view)}:{window_start}", ttl=self.duration + 1)
        except Exception as exc:
            logger.warning("throttle %s not counted: %s", self.scope, type(exc).__name__)


def count_failure(request, view) -> None:
    """Charge one failed attempt to the view's failure throttles (a wrong password, say)."""
    for throttle in view.get_throttles():
        if isinstance(throttle, FailureThrottle):
            throttle.record_failure(request, view)
