"""Reads of a user's imports (never the stored file bytes)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from movie_backend.exceptions import NotFound
from users.models import Import, ImportUnmatched, User

UNMATCHED_ROWS = Prefetch("unmatched_rows", queryset=ImportUnmatched.objects.order_by("id"))


class ImportNotFound(NotFound):
    message = "Import not found."


def import_list(*, user: User) -> QuerySet[Import]:
    """The user's imports, newest first, each with `unmatched_count`."""
    return (
        Import.objects.filter(user=user)
        .defer("data")
        .annotate(unmatched_count=Count("unmatched_rows"))
        .order_by("-created_at", "-id")
    )


def import_get(*, user: User, import_id: int) -> Import:
    """One of the user's imports with its unmatched rows (two queries); someone else's is a 404."""
    job = import_list(user=user).filter(pk=import_id).prefetch_related(UNMATCHED_ROWS).first()
    if job is None:
        raise ImportNotFound()
    return job
