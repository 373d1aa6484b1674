"""HTTP caching of the public GETs: ETag, Cache-Control, Vary, 304s, and warm anonymous answers served early.

A view opts in by declaring `http_cache = HttpCachePolicy(...)` and inheriting `PublicHttpCache` (first,
before the DRF base): its `as_view()` then wraps the view function.

Every 200 of a GET gets a strong `ETag` (a hash of the body), `Vary: Authorization` and `Cache-Control`:
`public, max-age=<the data's TTL>` for anonymous callers, `private, no-cache` when an Authorization header
is sent (the body may be the caller's own: adult titles, later `user_state`). A matching `If-None-Match`
answers 304 with no body.

Anonymous 200s of routes with `early=True` are also kept as the bytes sent (with their ETag) under a
route-keyed entry: the view class, its URL arguments, the query string, the host and scheme (absolute
`next` links) and the cache generation (every write to the mirror bumps it, so an entry never outlives the
data it shows). The next anonymous GET for the same entry is answered from it before DRF's machinery runs
(no Request wrapping, content negotiation, serializers or database), after the same throttles the view
would apply: the anonymous throttle still counts it (one Redis INCR). A throttled caller falls through to the
view, whose throttles answer the usual 429. Query strings naming a parameter outside `params` are never kept,
so junk parameters cannot fill the cache.
"""

from __future__ import annotations

import functools
import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import parse_etags, patch_vary_headers
from rest_framework.request import Request

from movies import cache as movie_cache

FAMILY = "http"
# Headers this module computes for each answer; everything else the view set is kept with the entry.
_OWN_HEADERS = frozenset({"etag", "cache-control", "age", "vary", "content-length"})
_STALE_HEADER = "X-Cache-Stale"


@dataclass(frozen=True)
class HttpCachePolicy:
    ttl_setting: str  # the setting holding this data's TTL in seconds (read per request: tests override it)
    params: tuple[str, ...] = ()  # query parameters an early entry may carry (page and limit always may)
    early: bool = True  # keep anonymous answers and serve them before the view

    @property
    def ttl(self) -> int:
        return int(getattr(settings, self.ttl_setting))


@dataclass(frozen=True)
class _Entry:
    body: bytes
    etag: str
    headers: tuple[tuple[str, str], ...]
    at: float


def etag_for(body: bytes) -> str:
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


class PublicHttpCache:
    """Mixin for a DRF view with an `http_cache` policy (put it before the DRF base class)."""

    http_cache: HttpCachePolicy | None = None

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        return cached_view(view, cls.http_cache) if cls.http_cache is not None else view


def cached_view(view, policy: HttpCachePolicy):
    """`view` with the policy's headers and conditional answers, and early answers for anonymous callers."""
    view_class = view.view_class
    allowed = frozenset((*policy.params, "page", "limit"))

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        anonymous = "HTTP_AUTHORIZATION" not in request.META
        early = anonymous and policy.early and request.method == "GET"
        key = _entry_key(request, view_class, kwargs, allowed) if early else None
        if key is not None:
            entry = movie_cache.lookup(key, family=FAMILY, ttl=policy.ttl)
            if entry is not None and _throttles_allow(request, view_class):
                return _answer(request, entry, policy)
        response = view(request, *args, **kwargs)
        return _finish(request, response, policy, anonymous=anonymous, key=key)

    return wrapper


def _entry_key(request, view_class, kwargs: dict, allowed: frozenset[str]) -> str | None:
    query = request.META.get("QUERY_STRING", "")
    if query and any(part.partition("=")[0] not in allowed for part in query.split("&")):
        return None
    return movie_cache.make_key(
        FAMILY,
        movie_cache.cache_generation(),
        view_class.__name__,
        *(f"{k}={v}" for k, v in sorted(kwargs.items())),
        request.scheme,
        request.get_host(),
        query,
    )


def _throttles_allow(request, view_class) -> bool:
    """The throttles the view would run for an anonymous caller, each counting this request once."""
    drf_request = Request(request, authenticators=())
    return all(throttle().allow_request(drf_request, view_class) for throttle in view_class.throttle_classes)


def _answer(request, entry: _Entry, policy: HttpCachePolicy) -> HttpResponse:
    age = max(0, int(time.time() - entry.at))
    if _not_modified(request, entry.etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(entry.body)
        for name, value in entry.headers:
            response[name] = value
    response["ETag"] = entry.etag
    response["Cache-Control"] = f"public, max-age={policy.ttl}"
    response["Age"] = str(age)
    response["Vary"] = "Authorization"
    return response


def _finish(request, response, policy: HttpCachePolicy, *, anonymous: bool, key: str | None):
    patch_vary_headers(response, ("Authorization",))
    if response.status_code != 200 or response.streaming:
        return response
    if hasattr(response, "render"):
        response.render()  # a DRF Response: its bytes decide the ETag
    body = response.content
    etag = etag_for(body)
    response["ETag"] = etag
    stale = _STALE_HEADER in response
    if not anonymous:
        response["Cache-Control"] = "private, no-cache"
    elif stale:
        response["Cache-Control"] = "public, no-cache"  # served because an upstream failed: ask again soon
    else:
        response["Cache-Control"] = f"public, max-age={policy.ttl}"
        if key is not None:
            headers = tuple((k, v) for k, v in response.items() if k.lower() not in _OWN_HEADERS)
            movie_cache.store(key, _Entry(body, etag, headers, time.time()), ttl=policy.ttl)
    if _not_modified(request, etag):
        not_modified = HttpResponseNotModified()
        for name in ("ETag", "Cache-Control", "Vary"):
            not_modified[name] = response[name]
        return not_modified
    return response


def _not_modified(request, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    if header.strip() == "*":
        return True
    # If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" matches "x".
    return etag in {tag.removeprefix("W/") for tag in parse_etags(header)}
