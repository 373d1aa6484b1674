"""Thin Celery tasks over the sync services; the schedule is CELERY_BEAT_SCHEDULE in settings.

Each task is a no-op (logged) without TMDb credentials. The client retries with exponential backoff and
jitter; a task that still fails with a retryable error is retried by Celery later.
"""

from __future__ import annotations

import logging

from celery import shared_task

from movies import services
from movies.mirror import mirror_changes
from movies.tmdb import TmdbClient, TmdbRateLimited, TmdbUnavailable, tmdb_configured

logger = logging.getLogger(__name__)

# Only failures a retry can help (a bad key or an unknown id would fail the same way again).
RETRY = {
    "autoretry_for": (TmdbRateLimited, TmdbUnavailable),
    "retry_backoff": 60,
    "retry_backoff_max": 1800,
    "retry_jitter": True,
    "max_retries": 3,
}


def _client() -> TmdbClient | None:
    if not tmdb_configured():
        logger.info("TMDb not configured; skipping sync")
        return None
    return TmdbClient.for_background()


@shared_task(name="movies.tasks.sync_trending", **RETRY)
def sync_trending(pages: int = 1) -> dict | None:
    client = _client()
    if client is None:
        return None
    return {
        name: services.movie_list_sync(client=client, name=name, pages=pages)
        for name in ("trending_day", "trending_week")
    }


@shared_task(name="movies.tasks.sync_lists", **RETRY)
def sync_lists(pages: int = 5) -> dict | None:
    client = _client()
    if client is None:
        return None
    return {
        name: services.movie_list_sync(client=client, name=name, pages=pages)
        for name in ("popular", "top_rated", "now_playing", "upcoming")
    }


@shared_task(name="movies.tasks.sync_genres_and_configuration", **RETRY)
def sync_genres_and_configuration() -> int | None:
    client = _client()
    if client is None:
        return None
    services.configuration_sync(client=client)
    return services.genres_sync(client=client)


@shared_task(name="movies.tasks.refresh_stale_details", **RETRY)
def refresh_stale_details(limit: int = 200) -> int | None:
    client = _client()
    if client is None:
        return None
    return services.movies_refresh_stale_details(client=client, limit=limit)


@shared_task(name="movies.tasks.sync_changes", **RETRY)
def sync_changes() -> int | None:
    """The mirrored movies TMDb changed since the last run, fetched again (movies.mirror.mirror_changes)."""
    client = _client()
    if client is None:
        return None
    return mirror_changes(client=client).refreshed
