"""Reads of the operational records."""

from __future__ import annotations

import datetime
from collections import defaultdict

from movie_backend.models import UsageCounter


def usage_history(*, days: int, before: datetime.date) -> list[tuple[datetime.date, dict[str, int]]]:
    """The rolled-up counters of the `days` days before `before`, newest first (days without rows omitted)."""
    rows = UsageCounter.objects.filter(day__gte=before - datetime.timedelta(days=days), day__lt=before).values_list(
        "day", "event", "value"
    )
    by_day: dict[datetime.date, dict[str, int]] = defaultdict(dict)
    for day, event, value in rows:
        by_day[day][event] = value
    return sorted(by_day.items(), reverse=True)
