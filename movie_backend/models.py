"""Operational records shared by every app."""

from __future__ import annotations

from django.db import models


class UsageCounter(models.Model):
    """One day's value of one usage counter, rolled up from Redis by movie_backend.tasks.rollup_usage."""

    day = models.DateField()
    event = models.CharField(max_length=200)
    value = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "event"]
        constraints = [models.UniqueConstraint(fields=["day", "event"], name="usagecounter_day_event_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.event}={self.value}"
