"""The project's own errors, and the one list of error codes a client can receive.

Services raise `ApplicationError` kinds and never build responses; `movie_backend.errors` is the only place
that turns them (and DRF's, Django's and simplejwt's errors) into the envelope. Each kind of error has one
code, whatever raised it: a movie, a genre and a favorite that do not exist are all `not_found`.
"""

from __future__ import annotations

from typing import Any

# Every code an error envelope can carry, with what it means. The OpenAPI schema lists these, and the error
# handler maps any other code to its kind's code (and logs it), so a client never meets a code not listed.
ERROR_CODES: dict[str, str] = {
    "invalid": "400: a field or parameter is invalid; `errors` names each one.",
    "parse_error": "400: the body is not JSON the API accepts (malformed, or nested too deeply).",
    "bad_request": "400: the request itself is malformed (e.g. an unknown Host header).",
    "not_authenticated": "401: no credentials were sent.",
    "token_not_valid": "401: the token is malformed, expired, revoked, or its account is gone.",
    "invalid_credentials": "401: the email and password do not match an active account.",
    "permission_denied": "403: authenticated, but not allowed.",
    "not_found": "404: no such resource (or it is not yours).",
    "method_not_allowed": "405: the path does not take this method.",
    "not_acceptable": "406: the `Accept` header asks for a format the API does not produce.",
    "conflict": "409: the request conflicts with the current state of the resource.",
    "email_taken": "409: an account with this email already exists.",
    "payload_too_large": "413: the body is larger than the API accepts.",
    "unsupported_media_type": "415: the body's content type is not accepted (send JSON).",
    "account_locked": "429: too many failed logins; see `Retry-After`.",
    "throttled": "429: too many requests; see `Retry-After`.",
    "server_error": "500: an unexpected error (logged; never a traceback).",
    "upstream_unavailable": "503: an upstream (TMDb, a build in progress) cannot answer now; see `Retry-After`.",
    "database_unavailable": "503: the database is unreachable; see `Retry-After`.",
    "not_ready": "503: a dependency of the readiness check is down.",
}

# Codes that DRF or simplejwt use for a kind that has one code of ours.
CODE_ALIASES: dict[str, str] = {
    "authentication_failed": "token_not_valid",
    "user_not_found": "token_not_valid",
    "user_inactive": "token_not_valid",
    "bad_authorization_header": "token_not_valid",
    "password_changed": "token_not_valid",
    "no_active_account": "invalid_credentials",
    "required": "invalid",
}

# The code of each status when an error arrives with a code we do not know.
STATUS_CODES: dict[int, str] = {
    400: "invalid",
    401: "token_not_valid",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    503: "upstream_unavailable",
}


class ApplicationError(Exception):
    """An error a client should see as the envelope: a status, one of ERROR_CODES, a sentence, field errors."""

    status_code = 400
    code = "invalid"
    message = "Invalid request."

    def __init__(
        self,
        message: str | None = None,
        code: str | None = None,
        *,
        errors: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ):
        self.message = message or self.message
        self.code = code or self.code
        self.errors = errors or {}
        self.retry_after = retry_after
        super().__init__(self.message)


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"
    message = "The request conflicts with the current state of the resource."


class PayloadTooLarge(ApplicationError):
    status_code = 413
    code = "payload_too_large"
    message = "The request body is too large."


class ServiceUnavailable(ApplicationError):
    """An upstream is down and nothing cached can answer; `retry_after` seconds go in Retry-After."""

    status_code = 503
    code = "upstream_unavailable"
    message = "An upstream service is unavailable. Try again later."

    def __init__(self, message: str | None = None, code: str | None = None, retry_after: int = 30):
        super().__init__(message, code, retry_after=retry_after)
