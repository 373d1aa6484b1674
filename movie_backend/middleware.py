"""One log line per request: method, path, status, duration, user id. Never the query string or headers,
so tokens and keys cannot leak into logs."""

from __future__ import annotations

import logging
import time

logger = logging.getLogger("movie_backend.requests")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        logger.info(
            "%s %s %s %.1fms user=%s",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            _user_id(request, response),
        )
        return response


def _user_id(request, response) -> str:
    # DRF authenticates inside the view (JWT), so its user sits on the DRF request the response carries;
    # `_user` is read rather than `user` so a failed authentication is not attempted twice.
    drf_request = (getattr(response, "renderer_context", None) or {}).get("request")
    user = getattr(drf_request, "_user", None) or getattr(request, "user", None)
    return str(user.pk) if user is not None and user.is_authenticated else "-"
