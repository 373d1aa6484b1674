import datetime

from celery import shared_task
from django.utils import timezone

from movie_backend.services import usage_rollup


@shared_task
def rollup_usage() -> int:
    """Roll today's counters (and yesterday's final values, just after midnight) into the database."""
    today = timezone.now().date()
    return usage_rollup(day=today - datetime.timedelta(days=1)) + usage_rollup(day=today)
