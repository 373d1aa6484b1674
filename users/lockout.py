"""Login lockout, one set of rules for both login paths: POST /api/auth/login/ and the Django admin form.

django-axes counts failed password checks; this module is its configuration (AXES_HANDLER,
AXES_USERNAME_CALLABLE, AXES_LOCKOUT_CALLABLE in settings). Two rules:

- Per account and address (axes itself, AXES_LOCKOUT_PARAMETERS): after AXES_FAILURE_LIMIT failures for one
  email from one address, that pair is refused for AXES_COOLOFF_TIME; an attempt during the lockout restarts
  the cool-off. Other accounts from that address, and that account from other addresses, are not affected.
- Per account, whatever the address (`LoginLockoutHandler`): once LOGIN_ACCOUNT_FAILURE_LIMIT failures of one
  email are counted (forgotten LOGIN_ACCOUNT_WINDOW_SECONDS after the last one), each further failure locks
  the account for LOGIN_ACCOUNT_COOLOFF_SECONDS, doubled per failure past the limit and capped at
  LOGIN_ACCOUNT_COOLOFF_MAX_SECONDS. Addresses the account logged in from within LOGIN_KNOWN_ADDRESS_DAYS
  (axes' access log) are exempt, so guesses spread over many addresses are slowed to about one per cap
  while the owner, at an address they use, is not locked out by them. An attempt this rule refuses checks
  no password: it is not a guess, so neither rule counts it and it does not extend the lock.

Both answer 429 with Retry-After. The account rule's state lives in the cache (Redis in production): with the
cache down it is not enforced (and says so in the log); the per-(account, address) rule lives in the database.
"""

from __future__ import annotations

import hashlib
import logging
import math
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_lockout_message
from axes.models import AccessLog
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from movie_backend.throttling import counter_incr
from users.models import email_normalize

logger = logging.getLogger(__name__)

_FAILURES_KEY = "login:account-failures:v1:{}"
_LOCKED_UNTIL_KEY = "login:account-locked-until:v1:{}"


def login_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the account a login attempt names, normalised as stored.

    The API authenticates with `email`; Django's admin form posts `username`, which is the email (our
    USERNAME_FIELD). Both count against the same account, in any letter case.
    """
    source = credentials if credentials is not None else request.POST
    value = source.get("email") or source.get("username")
    return email_normalize(str(value)) if value else None


def _key(template: str, username: str) -> str:
    # Emails stay out of cache keys.
    return template.format(hashlib.sha256(username.encode()).hexdigest())


def account_lock_remaining(username: str, *, at: datetime) -> int:
    """Seconds the per-account rule still locks `username` at `at` (0: not locked)."""
    until = cache.get(_key(_LOCKED_UNTIL_KEY, username))
    return max(0, math.ceil(until - at.timestamp())) if until else 0


def account_cool_off(failures: int) -> int:
    """The lock after the `failures`-th failure in a row: none below the limit, then doubling up to the cap."""
    past_limit = failures - settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    if past_limit < 0:
        return 0
    base, cap = settings.LOGIN_ACCOUNT_COOLOFF_SECONDS, settings.LOGIN_ACCOUNT_COOLOFF_MAX_SECONDS
    return min(cap, base * 2 ** min(past_limit, 32))


def account_failure_record(username: str, *, at: datetime) -> int:
    """Count one failed password check of the account; returns the seconds it is now locked for (0: none)."""
    window = settings.LOGIN_ACCOUNT_WINDOW_SECONDS
    failures = counter_incr(_key(_FAILURES_KEY, username), ttl=window, sliding=True)
    cool_off = account_cool_off(failures)
    if cool_off:
        # The deadline is compared with the attempt's clock; the key itself outlives any lock.
        cache.set(_key(_LOCKED_UNTIL_KEY, username), at.timestamp() + cool_off, timeout=window)
    return cool_off


def address_known(username: str, ip_address: str | None, *, at: datetime) -> bool:
    """Whether the account logged in from this address within LOGIN_KNOWN_ADDRESS_DAYS (axes' access log)."""
    if not ip_address:
        return False
    since = at - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    return AccessLog.objects.filter(ip_address=ip_address, username__iexact=username, attempt_time__gte=since).exists()


def retry_after(request: HttpRequest) -> int:
    """Seconds until a locked-out login may be tried again (the Retry-After of the 429)."""
    seconds = getattr(request, "lockout_retry_after", None)
    if seconds:
        return seconds
    cool_off = get_cool_off(request)
    return math.ceil(cool_off.total_seconds()) if cool_off else 0


def _lock_out(request: HttpRequest, credentials: dict | None, seconds: int) -> None:
    # The flags axes' middleware (admin) and users.services.user_login (API) read.
    request.axes_locked_out = True
    request.axes_credentials = credentials
    request.lockout_retry_after = max(getattr(request, "lockout_retry_after", 0) or 0, seconds)


class LoginLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler (the per-account-and-address rule) plus the per-account rule."""

    def is_locked(self, request, credentials=None) -> bool:
        # Called by axes' authentication backend before any password is checked.
        if super().is_locked(request, credentials):
            request.login_refused_by = "address"
            return True
        username = get_client_username(request, credentials)
        if not username:
            return False
        remaining = account_lock_remaining(username, at=request.axes_attempt_time)
        if remaining and not address_known(username, request.axes_ip_address, at=request.axes_attempt_time):
            request.login_refused_by = "account"
            request.lockout_retry_after = remaining
            return True
        return False

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        refused_by = getattr(request, "login_refused_by", None)
        if refused_by == "account":
            _lock_out(request, credentials, request.lockout_retry_after)
            return
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None:
            return
        if request.axes_locked_out:
            _lock_out(request, credentials, retry_after(request))
        if refused_by is None:  # a password was checked, and it was wrong
            self._count_account_failure(request, credentials)

    def _count_account_failure(self, request, credentials: dict) -> None:
        username = get_client_username(request, credentials)
        if not username:
            return
        at = request.axes_attempt_time
        try:
            locked_for = account_failure_record(username, at=at)
        except Exception as exc:  # the cache is down: the per-account rule is not enforced, say so
            logger.warning("per-account login lockout not counted: %s", type(exc).__name__)
            return
        if locked_for and not address_known(username, request.axes_ip_address, at=at):
            _lock_out(request, credentials, locked_for)


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: what a locked-out admin login answers (the API answers the error envelope)."""
    response = HttpResponse(
        get_lockout_message(), status=settings.AXES_HTTP_RESPONSE_CODE, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = str(retry_after(request))
    return response
