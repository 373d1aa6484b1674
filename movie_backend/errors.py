"""The one error envelope: every 4xx/5xx answers {"status": "error", "code", "message", "errors"}.

DRF exceptions, Django's Http404/PermissionDenied/ValidationError and simplejwt's token errors all pass
through `api_exception_handler`; Django's own 400/403/404/500 views (outside DRF) use the same body.
Services raise the typed exceptions below and never build responses.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from movie_backend import usage

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class ServiceUnavailable(exceptions.APIException):
    """An upstream is down and nothing cached can answer; `retry_after` seconds go in Retry-After."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "An upstream service is unavailable. Try again later."
    default_code = "upstream_unavailable"

    def __init__(self, detail: str | None = None, code: str | None = None, retry_after: int = 30):
        super().__init__(detail, code)
        self.retry_after = retry_after


def error_body(*, code: str, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"status": "error", "code": code, "message": message, "errors": errors or {}}


def _envelope_from_exception(exc: exceptions.APIException, data: Any) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        return error_body(code="invalid", message=_first_message(errors) or "Invalid input.", errors=errors)
    detail = exc.detail
    if isinstance(detail, dict):
        # simplejwt's InvalidToken carries {"detail", "code", "messages"}.
        message = str(detail.get("detail", exc.default_detail))
        code = str(detail.get("code", exc.default_code))
    else:
        message = str(detail)
        code = getattr(detail, "code", None) or exc.default_code
    return error_body(code=str(code), message=message)


def _first_message(errors: Any) -> str | None:
    """A human sentence naming the first bad field, e.g. "limit: A valid integer is required."."""
    if isinstance(errors, dict):
        for field, value in errors.items():
            inner = _first_message(value)
            if inner:
                return inner if field == "non_field_errors" else f"{field}: {inner}"
    elif isinstance(errors, list):
        for value in errors:
            inner = _first_message(value)
            if inner:
                return inner
    elif errors:
        return str(errors)
    return None


def api_exception_handler(exc: Exception, context: dict[str, Any]):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) and "matches the given query" not in str(exc) else None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, (OperationalError, InterfaceError)):
        # A dropped or refused database connection (a restart, a failover, a busy SQLite file) is worth a
        # retry: a 503 with Retry-After, not a 500. The next request reconnects (CONN_HEALTH_CHECKS).
        logger.warning("database unavailable: %s: %s", type(exc).__name__, str(exc).strip().splitlines()[:1])
        exc = ServiceUnavailable("The database is unavailable. Try again shortly.", "database_unavailable", 5)

    if isinstance(exc, exceptions.Throttled):
        view = context.get("view")
        usage.count(f"throttle.{type(view).__name__ if view is not None else 'unknown'}")

    response = drf_exception_handler(exc, context)
    if response is None:
        # Unhandled: let Django log it and answer through handler500 (the envelope, no traceback).
        return None
    response.data = _envelope_from_exception(exc, response.data)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response["Retry-After"] = str(int(retry_after))
    return response


# Django's own error views (unknown URLs, CSRF failures, crashes outside DRF) answer the same envelope.


def bad_request(request, exception=None):
    return JsonResponse(error_body(code="bad_request", message="Bad request."), status=400)


def permission_denied(request, exception=None):
    return JsonResponse(
        error_body(code="permission_denied", message="You do not have permission to perform this action."),
        status=403,
    )


# Also the catch-all for unknown /api/ paths: a token-authenticated DELETE or POST there is a 404 in the
# envelope, not Django's HTML CSRF page (the API uses no cookies).
@csrf_exempt
def page_not_found(request, exception=None):
    return JsonResponse(error_body(code="not_found", message="Not found."), status=404)


def server_error(request):
    return JsonResponse(
        error_body(code="server_error", message="An unexpected error occurred. It has been logged."),
        status=500,
    )
