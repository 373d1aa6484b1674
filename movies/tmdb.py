"""TmdbClient: the only code that talks HTTP to TMDb. It knows TMDb's JSON, not our models.

Every call goes through one pooled `requests.Session` with a (connect, read) timeout, a rate limit shared
by every process (a token bucket in Redis, per process without Redis), and a circuit breaker whose state
lives in the cache so that all workers stop calling a failing TMDb together. Failures are typed and say
whether a retry can help. The credentials never appear in logs, exception messages or responses.

Two retry policies: the request path (`TmdbClient.for_request()`) retries at most once and only briefly;
background jobs (`TmdbClient.for_background()`) retry with exponential backoff and jitter.
"""

from __future__ import annotations

import datetime
import logging
import random
import re
import threading
import time
from dataclasses import dataclass
from typing import IO, Any

import requests
from django.conf import settings
from django.core.cache import cache
from requests.adapters import HTTPAdapter

from movie_backend import usage

logger = logging.getLogger(__name__)

LIST_CATEGORIES = ("popular", "top_rated", "now_playing", "upcoming")
TRENDING_WINDOWS = ("day", "week")
# TMDb serves at most 500 pages of any list or search.
MAX_PAGE = 500
MOVIE_APPEND = ("credits", "keywords", "videos", "watch/providers")


class _RedactApiKey(logging.Filter):
    """urllib3 logs request lines at DEBUG, query string included; v3 keys travel in the query string."""

    pattern = re.compile(r"(api_key=)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = self.pattern.sub(r"\1***", str(record.msg))
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactApiKey())


# --- Typed errors ---------------------------------------------------------------------------------


class TmdbError(Exception):
    """Base of every TMDb failure. `retryable` says whether trying again later can help."""

    retryable = False
    outcome = "error"

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class TmdbNotConfigured(TmdbError):
    """No key or token: the service runs offline and never calls TMDb."""

    outcome = "not_configured"


class TmdbNotFound(TmdbError):
    """TMDb status_code 34 / HTTP 404: the resource does not exist."""

    outcome = "not_found"


class TmdbAuthError(TmdbError):
    """TMDb status_code 7 / HTTP 401: the key or token is wrong or revoked. Retrying will not help."""

    outcome = "auth_error"


class TmdbRateLimited(TmdbError):
    """TMDb status_code 25 / HTTP 429, or our own shared bucket is empty. Honour `retry_after` seconds."""

    retryable = True
    outcome = "rate_limited"


class TmdbUnavailable(TmdbError):
    """5xx, timeouts, connection errors, bodies that are not JSON, or the circuit breaker is open."""

    retryable = True
    outcome = "unavailable"


def tmdb_configured() -> bool:
    return bool(settings.TMDB_READ_ACCESS_TOKEN or settings.TMDB_API_KEY)


def _redis():
    if not settings.REDIS_URL:
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")


# --- Shared rate limit ----------------------------------------------------------------------------

# KEYS[1] bucket hash; ARGV rate (tokens/s), capacity, now (s, float). Returns 0 when a token was taken,
# else the seconds to wait for the next one. Atomic in Redis, so every worker shares one bucket.
_BUCKET_SCRIPT = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil then tokens = capacity; ts = now end
if now > ts then tokens = math.min(capacity, tokens + (now - ts) * rate); ts = now end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 10)
return tostring(wait)
"""


class RateLimiter:
    """A token bucket of `rate` tokens per second (burst of one second's worth).

    Shared through Redis when REDIS_URL is set (the clock is Redis's own TIME, so hosts need not agree),
    per process otherwise.
    """

    def __init__(self, rate: float, *, redis_client: Any = None, key: str = "tmdb:ratelimit:v1"):
        self.key = key
        self.rate = max(float(rate), 0.001)
        self.capacity = max(1.0, self.rate)
        self._redis = redis_client
        self._lock = threading.Lock()
        self._tokens = self.capacity
        self._ts = time.monotonic()
        self._script = redis_client.register_script(_BUCKET_SCRIPT) if redis_client is not None else None

    def try_acquire(self) -> float:
        """Take a token: 0.0 on success, else how many seconds until one is free."""
        if self._script is not None:
            try:
                seconds, micros = self._redis.time()
                return float(self._script(keys=[self.key], args=[self.rate, self.capacity, seconds + micros / 1e6]))
            except Exception as exc:  # Redis down: limit per process rather than fail the call
                logger.warning("shared TMDb rate limit unavailable (%s); limiting per process", type(exc).__name__)
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._ts) * self.rate)
            self._ts = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate

    def acquire(self, *, max_wait: float) -> None:
        """Wait for a token up to `max_wait` seconds, else raise TmdbRateLimited."""
        deadline = time.monotonic() + max_wait
        while True:
            wait = self.try_acquire()
            if wait <= 0:
                return
            if time.monotonic() + wait > deadline:
                raise TmdbRateLimited("TMDb request budget exhausted; try again shortly.", retry_after=wait)
            time.sleep(wait)


_local_limiter: RateLimiter | None = None
_local_limiter_lock = threading.Lock()


def default_rate_limiter() -> RateLimiter:
    """The process-wide limiter (one bucket per process; with Redis, all of them share one bucket)."""
    global _local_limiter
    with _local_limiter_lock:
        if _local_limiter is None or _local_limiter.rate != float(settings.TMDB_RATE_LIMIT):
            _local_limiter = RateLimiter(settings.TMDB_RATE_LIMIT, redis_client=_redis())
        return _local_limiter


# --- Circuit breaker ------------------------------------------------------------------------------


class CircuitBreaker:
    """After `threshold` consecutive failures, refuse calls for `cooldown` seconds (state in the cache).

    After the cool-down one failure re-opens it at once (half-open); one success closes it.
    """

    failures_key = "tmdb:breaker:v1:failures"
    open_key = "tmdb:breaker:v1:open_until"

    def __init__(self, *, threshold: int, cooldown: int):
        self.threshold = max(1, threshold)
        self.cooldown = max(1, cooldown)

    def open_for(self) -> float:
        """Seconds until calls are allowed again; 0 when closed."""
        open_until = cache.get(self.open_key)
        return max(0.0, open_until - time.time()) if open_until else 0.0

    def record_success(self) -> None:
        if cache.get(self.failures_key):
            cache.delete(self.failures_key)

    def record_failure(self) -> None:
        cache.add(self.failures_key, 0, timeout=self.cooldown * 10)
        try:
            failures = cache.incr(self.failures_key)
        except ValueError:  # expired between add and incr
            cache.set(self.failures_key, 1, timeout=self.cooldown * 10)
            failures = 1
        if failures is None:  # django-redis with Redis down: no shared count, so the breaker stays closed
            return
        if failures >= self.threshold:
            cache.set(self.open_key, time.time() + self.cooldown, timeout=self.cooldown)
            # Half-open after the cool-down: the next failure alone opens it again.
            cache.set(self.failures_key, self.threshold - 1, timeout=self.cooldown * 10)
            logger.warning("TMDb circuit breaker open for %ss after %s failures", self.cooldown, failures)

    def reset(self) -> None:
        cache.delete_many([self.failures_key, self.open_key])


def default_breaker() -> CircuitBreaker:
    return CircuitBreaker(threshold=settings.TMDB_BREAKER_THRESHOLD, cooldown=settings.TMDB_BREAKER_COOLDOWN)


# --- Client ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int  # total attempts, the first included
    base_delay: float  # first backoff, doubled each time, with full jitter
    max_delay: float  # never sleep longer than this between attempts
    max_rate_wait: float  # how long to wait for a rate-limit token


REQUEST_PATH = RetryPolicy(attempts=2, base_delay=0.2, max_delay=1.0, max_rate_wait=1.0)
BACKGROUND = RetryPolicy(attempts=5, base_delay=1.0, max_delay=60.0, max_rate_wait=30.0)

_session: requests.Session | None = None
_session_lock = threading.Lock()


def _shared_session() -> requests.Session:
    global _session
    with _session_lock:
        if _session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session.headers.update({"Accept": "application/json", "User-Agent": "movie-backend/1.0"})
            _session = session
        return _session


class TmdbClient:
    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        read_access_token: str | None = None,
        policy: RetryPolicy = REQUEST_PATH,
        rate_limiter: RateLimiter | None = None,
        breaker: CircuitBreaker | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] | None = None,
        sleep=time.sleep,
    ):
        self.base_url = (base_url if base_url is not None else settings.TMDB_API_BASE_URL).rstrip("/")
        self._api_key = api_key if api_key is not None else settings.TMDB_API_KEY
        self._token = read_access_token if read_access_token is not None else settings.TMDB_READ_ACCESS_TOKEN
        self.policy = policy
        self.rate_limiter = rate_limiter or default_rate_limiter()
        self.breaker = breaker or default_breaker()
        self.session = session or _shared_session()
        self.timeout = timeout or (settings.TMDB_CONNECT_TIMEOUT, settings.TMDB_READ_TIMEOUT)
        self._sleep = sleep

    @classmethod
    def for_request(cls, **kwargs) -> TmdbClient:
        return cls(policy=REQUEST_PATH, **kwargs)

    @classmethod
    def for_background(cls, **kwargs) -> TmdbClient:
        return cls(policy=BACKGROUND, **kwargs)

    def __repr__(self) -> str:  # never the credentials
        return f"TmdbClient(base_url={self.base_url!r}, auth={self.auth_mode})"

    @property
    def configured(self) -> bool:
        return bool(self._token or self._api_key)

    @property
    def auth_mode(self) -> str:
        return "bearer" if self._token else "api_key" if self._api_key else "none"

    # -- endpoints (one method per TMDb endpoint, named above each) --

    # GET /trending/movie/{day|week}
    def trending(self, *, window: str = "day", page: int = 1) -> dict:
        if window not in TRENDING_WINDOWS:
            raise ValueError(f"unknown trending window {window!r}")
        return self._get(f"/trending/movie/{window}", {"page": page}, endpoint=f"trending_{window}")

    # GET /movie/popular, /movie/top_rated, /movie/now_playing, /movie/upcoming
    def movie_list(self, *, category: str, page: int = 1) -> dict:
        if category not in LIST_CATEGORIES:
            raise ValueError(f"unknown list {category!r}")
        return self._get(f"/movie/{category}", {"page": page}, endpoint=f"movie_{category}")

    # GET /search/movie
    def search_movies(self, *, query: str, year: int | None = None, page: int = 1) -> dict:
        params: dict[str, Any] = {"query": query, "page": page, "include_adult": "true"}
        if year:
            params["year"] = year
        return self._get("/search/movie", params, endpoint="search_movie")

    # GET /discover/movie
    def discover_movies(self, *, page: int = 1, **filters: Any) -> dict:
        return self._get("/discover/movie", {"page": page, **filters}, endpoint="discover_movie")

    # GET /movie/{id}?append_to_response=credits,keywords,videos,watch/providers
    # One call brings the movie and everything around it (the collection is `belongs_to_collection`).
    def movie_details(self, *, tmdb_id: int, append: tuple[str, ...] = MOVIE_APPEND) -> dict:
        params = {"append_to_response": ",".join(append)} if append else {}
        return self._get(f"/movie/{int(tmdb_id)}", params, endpoint="movie_details")

    # GET /person/{id}?append_to_response=movie_credits
    def person_details(self, *, person_id: int) -> dict:
        return self._get(
            f"/person/{int(person_id)}", {"append_to_response": "movie_credits"}, endpoint="person_details"
        )

    # GET /collection/{id}
    def collection_details(self, *, collection_id: int) -> dict:
        return self._get(f"/collection/{int(collection_id)}", {}, endpoint="collection_details")

    # GET /movie/{id}/recommendations
    def movie_recommendations(self, *, tmdb_id: int, page: int = 1) -> dict:
        return self._get(f"/movie/{int(tmdb_id)}/recommendations", {"page": page}, endpoint="movie_recommendations")

    # GET /genre/movie/list
    def genres(self) -> list[dict]:
        return self._get("/genre/movie/list", {}, endpoint="genre_list").get("genres", [])

    # GET /configuration
    def configuration(self) -> dict:
        return self._get("/configuration", {}, endpoint="configuration")

    # GET /movie/changes
    def movie_changes(self, *, start_date: str | None = None, end_date: str | None = None, page: int = 1) -> dict:
        params: dict[str, Any] = {"page": page}
        if start_date:
            params["start_date"] = start_date
        if end_date:
            params["end_date"] = end_date
        return self._get("/movie/changes", params, endpoint="movie_changes")

    # GET {TMDB_EXPORTS_BASE_URL}/movie_ids_MM_DD_YYYY.json.gz (no key, no rate limit: a static file)
    def movie_ids_export(self, *, day: datetime.date, into: IO[bytes]) -> None:
        """Stream TMDb's daily id export for `day` into a binary file (gzipped JSON lines, never all in memory).

        Raises TmdbNotFound when that day's file is not published (yet), TmdbUnavailable when the host fails.
        """
        url = f"{settings.TMDB_EXPORTS_BASE_URL.rstrip('/')}/movie_ids_{day:%m_%d_%Y}.json.gz"
        try:
            with self.session.get(url, stream=True, timeout=self.timeout) as response:
                if response.status_code in (403, 404):  # the files host answers 403 for a missing object
                    raise TmdbNotFound(f"TMDb has no id export for {day.isoformat()}.")
                if response.status_code >= 400:
                    raise TmdbUnavailable(f"TMDb id export answered HTTP {response.status_code}.")
                for chunk in response.iter_content(chunk_size=1 << 16, decode_unicode=False):
                    into.write(chunk)
        except requests.RequestException as exc:
            raise TmdbUnavailable(f"TMDb id export unreachable ({type(exc).__name__}).") from None

    # -- plumbing --

    def _get(self, path: str, params: dict[str, Any], *, endpoint: str) -> dict:
        if not self.configured:
            raise TmdbNotConfigured("TMDb is not configured (no TMDB_READ_ACCESS_TOKEN or TMDB_API_KEY).")
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._get_once(path, params, endpoint=endpoint)
            except TmdbError as exc:
                if not exc.retryable or attempt >= self.policy.attempts:
                    raise
                delay = self._backoff(attempt, exc)
                if delay is None:
                    raise
                logger.info("TMDb %s %s; retry %s in %.2fs", endpoint, exc.outcome, attempt, delay)
                self._sleep(delay)

    def _backoff(self, attempt: int, exc: TmdbError) -> float | None:
        """Seconds to wait before the next attempt, or None when waiting longer than the policy allows."""
        if isinstance(exc, TmdbUnavailable) and self.breaker.open_for() > 0:
            return None  # the breaker decides; waiting here would only hold the caller
        ceiling = min(self.policy.max_delay, self.policy.base_delay * (2 ** (attempt - 1)))
        delay = random.uniform(ceiling / 2, ceiling)  # jitter so workers do not retry in lock-step
        if exc.retry_after is not None:
            if exc.retry_after > self.policy.max_delay:
                return None
            delay = max(delay, exc.retry_after)
        return delay

    def _get_once(self, path: str, params: dict[str, Any], *, endpoint: str) -> dict:
        open_for = self.breaker.open_for()
        if open_for > 0:
            usage.count(f"tmdb.breaker_open.{endpoint}")
            raise TmdbUnavailable("TMDb is failing; calls are paused for a cool-down.", retry_after=open_for)
        self.rate_limiter.acquire(max_wait=self.policy.max_rate_wait)

        headers = {}
        query = dict(params)
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        else:
            query["api_key"] = self._api_key
        try:
            response = self.session.get(f"{self.base_url}{path}", params=query, headers=headers, timeout=self.timeout)
        except requests.Timeout:
            self._failed(endpoint, "timeout")
            raise TmdbUnavailable(f"TMDb {endpoint} timed out.") from None
        except requests.RequestException as exc:
            # The exception text holds the URL (and with it a v3 key): only its type is reported.
            self._failed(endpoint, "connection_error")
            raise TmdbUnavailable(f"TMDb {endpoint} unreachable ({type(exc).__name__}).") from None

        body: Any
        try:
            body = response.json()
        except ValueError:
            body = None
        tmdb_code = body.get("status_code") if isinstance(body, dict) else None
        status = response.status_code

        if status == 429 or tmdb_code == 25:
            usage.count(f"tmdb.request.{endpoint}.rate_limited")
            retry_after = _retry_after(response.headers.get("Retry-After"))
            raise TmdbRateLimited(f"TMDb {endpoint} rate limited.", retry_after=retry_after)
        if status == 401 or tmdb_code in (3, 7, 10, 14):
            usage.count(f"tmdb.request.{endpoint}.auth_error")
            raise TmdbAuthError(f"TMDb refused the credentials for {endpoint} (check the key or token).")
        if status == 404 or tmdb_code in (6, 34):
            usage.count(f"tmdb.request.{endpoint}.not_found")
            self.breaker.record_success()  # TMDb answered: it is up
            raise TmdbNotFound(f"TMDb has no such resource ({endpoint}).")
        if status >= 500:
            self._failed(endpoint, "server_error")
            raise TmdbUnavailable(f"TMDb {endpoint} answered HTTP {status}.")
        if status >= 400:
            usage.count(f"tmdb.request.{endpoint}.client_error")
            raise TmdbError(f"TMDb {endpoint} refused the request (HTTP {status}).")
        if not isinstance(body, dict):
            self._failed(endpoint, "bad_body")
            raise TmdbUnavailable(f"TMDb {endpoint} answered a body that is not a JSON object.")
        usage.count(f"tmdb.request.{endpoint}.ok")
        self.breaker.record_success()
        return body

    def _failed(self, endpoint: str, outcome: str) -> None:
        usage.count(f"tmdb.request.{endpoint}.{outcome}")
        self.breaker.record_failure()


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 1.0
    except ValueError:
        return 1.0
