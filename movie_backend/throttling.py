"""Throttles with one atomic counter per client and window.

DRF's stock throttles keep a list of request timestamps per client and read and rewrite it on every request:
two cache round trips each, and a list as long as the rate (a 10,000/min rate stores 10,000 floats). These
count in fixed windows instead: one INCR in Redis (one round trip, atomic across every process and
replica), O(1) memory whatever the rate. The price is the usual fixed-window edge:
a client can spend one window's allowance at its end and the next at its start.

Each request is checked by exactly one of the default throttles: anonymous callers by `anon` (per address),
authenticated ones by `user` (per user id). Views add `ScopedThrottle` with a `throttle_scope`.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


def _incr(key: str, ttl: int) -> int:
    if settings.REDIS_URL:
        from django_redis import get_redis_connection

        redis = get_redis_connection("default")
        raw = cache.make_key(key)
        # One INCR per request, and the EXPIRE only when this window's counter is new: cheaper on the hot path
        # than a MULTI/EXEC pipeline (four replies to parse) or a script. Each window has its own key, so a
        # crash between the two costs one small orphaned key, never a client locked out.
        count = int(redis.incr(raw))
        if count == 1:
            redis.expire(raw, ttl)
        return count
    cache.add(key, 0, ttl)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ttl)
        return 1


class FixedWindowThrottle(SimpleRateThrottle):
    wait_seconds = 0

    def get_ident(self, request) -> str:
        """DRF's identification (X-Forwarded-For with NUM_PROXIES, else the address), read from META: DRF's own
        builds `request.headers` from every header of the request, a tenth of a warm page's time."""
        xff = request.META.get("HTTP_X_FORWARDED_FOR")
        remote_addr = request.META.get("REMOTE_ADDR")
        num_proxies = api_settings.NUM_PROXIES
        if num_proxies is not None:
            if num_proxies == 0 or xff is None:
                return remote_addr
            addrs = xff.split(",")
            return addrs[-min(num_proxies, len(addrs))].strip()
        return "".join(xff.split()) if xff else remote_addr

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = int(self.timer())
        window_start = now - now % self.duration
        try:
            count = _incr(f"{self.key}:{window_start}", ttl=self.duration + 1)
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

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
