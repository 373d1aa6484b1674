"""Usage counters, their roll-up, GET /api/admin/usage/ and /metrics."""

from __future__ import annotations

import datetime

import pytest
from rest_framework.test import APIClient

from movie_backend import usage
from movie_backend.models import UsageCounter
from movie_backend.services import usage_rollup
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_counts_add_up_per_day_and_in_total():
    usage.count("tmdb.request.movie_popular.ok")
    usage.count("tmdb.request.movie_popular.ok")
    usage.count("llm.tokens.prompt", 120)

    assert usage.counters_for() == {"tmdb.request.movie_popular.ok": 2, "llm.tokens.prompt": 120}
    assert usage.counters_total()["tmdb.request.movie_popular.ok"] == 2


def test_summary_derives_headline_figures():
    counters = {
        "tmdb.request.movie_popular.ok": 5,
        "tmdb.request.movie_details.unavailable": 2,
        "cache.hit.tmdb_list": 3,
        "cache.miss.tmdb_list": 1,
        "llm.call.ok": 4,
        "llm.call.timeout": 1,
        "llm.tokens.prompt": 900,
        "llm.tokens.completion": 80,
        "llm.fallback.timeout": 1,
        "llm.suggestion.resolved": 4,
        "llm.suggestion.invented": 2,
        "llm.suggestion.ambiguous": 1,
        "throttle.RecommendApi": 6,
    }

    summary = usage.summarize(counters)

    assert summary == {
        "tmdb_calls": 7,
        "tmdb_errors": 2,
        "cache_hits": 3,
        "cache_misses": 1,
        "cache_hit_rate": 0.75,
        "llm_calls": 5,
        "llm_errors": 1,
        "llm_prompt_tokens": 900,
        "llm_completion_tokens": 80,
        "llm_fallbacks": 1,
        "llm_suggestions_resolved": 4,
        "llm_suggestions_dropped": 3,
        "throttled": 6,
    }


def test_rollup_writes_each_counter_once_and_updates_in_place():
    usage.count("cache.hit.tmdb_list", 2)
    usage_rollup()
    usage.count("cache.hit.tmdb_list", 3)
    usage_rollup()

    rows = list(UsageCounter.objects.values_list("event", "value"))
    assert rows == [("cache.hit.tmdb_list", 5)]


def test_usage_endpoint_is_staff_only():
    assert APIClient().get("/api/admin/usage/").status_code == 401
    response = client_for(UserFactory()).get("/api/admin/usage/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_usage_endpoint_shows_today_and_rolled_up_history():
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    UsageCounter.objects.create(day=yesterday, event="llm.call.ok", value=9)
    usage.count("cache.miss.tmdb_details")

    response = client_for(UserFactory(is_staff=True)).get("/api/admin/usage/?days=3")

    assert response.status_code == 200
    body = response.json()
    assert body["counters"] == {"cache.miss.tmdb_details": 1}
    assert body["summary"]["cache_misses"] == 1
    assert body["history"] == [
        {"day": yesterday.isoformat(), "summary": usage.summarize({"llm.call.ok": 9}), "counters": {"llm.call.ok": 9}}
    ]


def test_usage_days_out_of_range_is_400():
    response = client_for(UserFactory(is_staff=True)).get("/api/admin/usage/?days=0")

    assert response.status_code == 400
    assert "days" in response.json()["errors"]


def test_metrics_expose_latency_by_route_and_usage_counters():
    usage.count("llm.fallback.timeout")
    APIClient().get("/health/")

    response = APIClient().get("/metrics")

    assert response.status_code == 200
    text = response.content.decode()
    assert 'movie_backend_request_duration_seconds_count{method="GET",route="health/",status="200"}' in text
    assert 'movie_backend_usage_total{event="llm.fallback.timeout"}' in text


def test_metrics_token_when_configured(settings):
    settings.METRICS_TOKEN = "scrape-secret"

    assert APIClient().get("/metrics").status_code == 401
    assert APIClient().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert APIClient().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200


def test_admin_usage_page_renders_live_summary():
    staff = UserFactory(is_staff=True, is_superuser=True)
    usage.count("tmdb.request.movie_popular.ok")
    client = APIClient()
    client.force_login(staff)

    response = client.get("/admin/movie_backend/usagecounter/")

    assert response.status_code == 200
    assert b"Live usage today" in response.content
    assert b"tmdb.request.movie_popular.ok" in response.content


def test_counts_are_batched_per_process_then_written_together(settings):
    settings.USAGE_FLUSH_SECONDS = 3600
    usage.flush()
    usage.count("cache.hit.lists")  # the first count after a flush waits for the interval
    usage.count("cache.hit.lists")

    assert usage.counters_for().get("cache.hit.lists") is None

    usage.flush()
    assert usage.counters_for()["cache.hit.lists"] == 2
