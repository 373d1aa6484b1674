"""Writes for the operational records."""

from __future__ import annotations

import datetime

from django.utils import timezone

from movie_backend import usage
from movie_backend.models import UsageCounter


def usage_rollup(*, day: datetime.date | None = None) -> int:
    """Copy one day's live counters (today by default) into the database; idempotent. Returns rows written."""
    day = day or timezone.now().date()
    counters = usage.counters_for(day.isoformat())
    rows = [UsageCounter(day=day, event=event, value=value) for event, value in counters.items()]
    UsageCounter.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["day", "event"], update_fields=["value", "updated_at"]
    )
    return len(rows)
