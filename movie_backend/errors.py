"""The one error envelope: every 4xx/5xx answers {"status": "error", "code", "message", "errors"}.

DRF exceptions, Django's Http404/PermissionDenied/ValidationError and simplejwt's token errors all pass
through `api_exception_handler`; Django's own 400/403/404/500 views (outside DRF) use the same body.
Services raise `movie_backend.exceptions` kinds and never build responses; each kind has one code.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from movie_backend import usage
from movie_backend.exceptions import (
    CODE_ALIASES,
    ERROR_CODES,
    STATUS_CODES,
    ApplicationError,
    PayloadTooLarge,
    ServiceUnavailable,
)

logger = logging.getLogger(__name__)


def error_body(*, code: str, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"status": "error", "code": code, "message": message, "errors": errors or {}}


def canonical_code(code: str, status_code: int) -> str:
    """The one code of this kind of error (ERROR_CODES), whatever name the raising library gave it."""
    if code in ERROR_CODES:
        return code
    if code in CODE_ALIASES:
        return CODE_ALIASES[code]
    fallback = STATUS_CODES.get(status_code, "server_error" if status_code >= 500 else "invalid")
    logger.warning("error code %r (status %s) is not listed; answered as %r", code, status_code, fallback)
    return fallback


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
    return error_body(code=canonical_code(str(code), exc.status_code), message=message)


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
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024} KiB.")
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
    if isinstance(exc, ApplicationError):
        return _application_error_response(exc)

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


def _application_error_response(exc: ApplicationError) -> Response:
    set_rollback()
    code = canonical_code(exc.code, exc.status_code)
    response = Response(error_body(code=code, message=exc.message, errors=exc.errors), status=exc.status_code)
    if exc.retry_after is not None:
        response["Retry-After"] = str(int(exc.retry_after))
    return response


# Django's own error views (unknown URLs, CSRF failures, crashes outside DRF) answer the same envelope.


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse(error_body(code="payload_too_large", message="The request body is too large."), status=413)
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
