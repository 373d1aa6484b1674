"""Thin Celery tasks over recommendations.services."""

from __future__ import annotations

from celery import shared_task

from recommendations import services


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
        "movies": row.movie_count,
        "interactions": row.interaction_count,
        "seconds": round(row.build_seconds, 2),
    }
