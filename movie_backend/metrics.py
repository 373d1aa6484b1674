"""Prometheus metrics at /metrics: request latency by route, plus the shared usage counters.

Latency histograms live in each process (prometheus_client; set PROMETHEUS_MULTIPROC_DIR under gunicorn
so every worker's samples are merged). The usage counters are read from Redis at scrape time, so every
replica reports the same totals. Who may read /metrics is configurable: METRICS_TOKEN set means a
`Authorization: Bearer <token>` header is required.
"""

from __future__ import annotations

import hmac
import os
import time

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import REGISTRY, CounterMetricFamily

from movie_backend import usage
from movie_backend.errors import error_body

REQUEST_LATENCY = Histogram(
    "movie_backend_request_duration_seconds",
    "HTTP request latency by route.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class UsageCollector:
    """Exposes the shared usage counters (TMDb calls, cache hits/misses, LLM calls/tokens, throttling)."""

    def collect(self):
        family = CounterMetricFamily(
            "movie_backend_usage", "Usage events counted across all processes.", labels=["event"]
        )
        for event, value in sorted(usage.counters_total().items()):
            family.add_metric([event], value)
        yield family


_usage_collector = UsageCollector()
REGISTRY.register(_usage_collector)


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # The route pattern, not the path: /api/movies/<int:tmdb_id>/ is one series, not one per movie.
        route = match.route if match is not None else "unmatched"
        REQUEST_LATENCY.labels(request.method, route, str(response.status_code)).observe(time.perf_counter() - started)
        return response


def _registry():
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_usage_collector)
        return registry
    return REGISTRY


def metrics_view(request):
    token = settings.METRICS_TOKEN
    if token:
        supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(supplied.encode(), token.encode()):
            return JsonResponse(
                error_body(code="not_authenticated", message="A valid metrics token is required."), status=401
            )
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
