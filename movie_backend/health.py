"""Liveness (/health/) touches nothing; readiness (/health/ready/) proves the database and cache answer."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from movie_backend.errors import error_body
from movie_backend.schema import ErrorEnvelopeSerializer

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    # django-redis ignores connection errors (a miss), so a round trip that loses the value is the failure.
    key = f"health:ready:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise ConnectionError("cache round trip lost the value")
    cache.delete(key)


CHECKS = {"database": check_database, "cache": check_cache}


def _describe(check: str) -> str:
    """The dependency behind a check, as an operator would name it: "database (postgresql)", "cache (redis)"."""
    if check == "database":
        return f"database ({connection.vendor})"
    if check == "cache":
        return "cache (redis)" if settings.REDIS_URL else "cache (local memory)"
    return check


class _ProbeApi(APIView):
    # Probes are called by orchestrators many times a minute: no auth, no throttling.
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []


class LivenessApi(_ProbeApi):
    @extend_schema(
        tags=["health"],
        summary="Liveness: the process answers",
        responses={200: inline_serializer("Liveness", {"status": serializers.CharField()})},
    )
    def get(self, request):
        return Response({"status": "ok"})


class ReadinessApi(_ProbeApi):
    @extend_schema(
        tags=["health"],
        summary="Readiness: the database and the cache answer",
        responses={
            200: inline_serializer(
                "Readiness",
                {"status": serializers.CharField(), "checks": serializers.DictField(child=serializers.CharField())},
            ),
            503: OpenApiResponse(ErrorEnvelopeSerializer, description="A dependency is down; `errors` names it."),
        },
    )
    def get(self, request):
        results: dict[str, str] = {}
        for name, check in CHECKS.items():
            try:
                check()
                results[name] = "ok"
            except Exception as exc:  # any failure means not ready; the reason is logged, not returned
                logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
                results[name] = "unavailable"
        failed = [_describe(name) for name, result in results.items() if result != "ok"]
        if failed:
            body = error_body(code="not_ready", message=f"Not ready: {', '.join(failed)} unavailable.", errors=results)
            return Response(body, status=503, headers={"Retry-After": "5"})
        return Response({"status": "ok", "checks": results})
