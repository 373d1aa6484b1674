"""Thin Celery tasks over recommendations.services, and the one way the index rebuild is queued."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from celery import shared_task
from kombu.exceptions import OperationalError

from recommendations import services

logger = logging.getLogger(__name__)


@shared_task(name="recommendations.tasks.rebuild_recommendation_index")
def rebuild_recommendation_index(force: bool = True, interactions: bool = False) -> dict:
    """Rebuild the shared index (the catalog commands call this after loading or syncing; beat calls it with
    force=False, interactions=True to recount co-occurrence and transitions from the newest interactions).

    force=True builds in full. force=False skips the build when the index already matches the catalog (unless
    `interactions`), and otherwise builds incrementally when few movies changed, in full when the rules of
    `services._build_plan` say so (e.g. once a day); "kind" in the result says which ran. A build already
    running elsewhere makes this a no-op ({"built": False}).
    """
    row = services.recommendation_index_build(force=force, interactions=interactions)
    if row is None:
        return {"built": False, "reason": "another build is running"}
    return {
        "built": True,
        "version": row.version,
        "kind": row.kind,
        "changed_movies": row.changed_movies,
        "rows_written": row.rows_written,
        "movies": row.movie_count,
        "interactions": row.interaction_count,
        "seconds": round(row.build_seconds, 2),
    }


@dataclass(frozen=True)
class RebuildQueued:
    """Whether a rebuild reached the broker; `notice` tells an operator what follows when it did not."""

    queued: bool
    error: str = ""

    @property
    def notice(self) -> str:
        if self.queued:
            return ""
        return (
            f"Recommendation index rebuild not queued (broker unreachable: {self.error}); it will happen on the "
            "next beat run or request."
        )


def recommendation_index_rebuild_queue(*, force: bool = False) -> RebuildQueued:
    """Queue a rebuild (run in-process when Celery is eager); a broker outage is an outcome, not an error.

    Every caller (a catalog change, a request that finds the index stale) goes through here. The data the
    rebuild would read is already committed, so nothing is lost: beat's periodic rebuild and the next request
    that finds the index stale queue it again. CELERY_BROKER_TRANSPORT_OPTIONS and
    CELERY_TASK_PUBLISH_RETRY_POLICY bound how long a failing publish can take.
    """
    try:
        rebuild_recommendation_index.delay(force=force)
    except OperationalError as exc:  # kombu's wrapper for connection refused, timeouts, a dropped socket
        outcome = RebuildQueued(queued=False, error=str(exc) or type(exc).__name__)
        logger.warning("%s", outcome.notice)
        return outcome
    return RebuildQueued(queued=True)
