"""Helpers for impressions and outcomes at chosen times (the models stamp their own times on insert)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from recommendations.models import Experiment, RecommendationLog
from tests.factories import FavoriteFactory, InteractionFactory, UserFactory
from tests.recommendations.conftest import catalog  # noqa: F401 - the hand-made catalog, reused here
from users.models import Favorite, Interaction

NOW = timezone.now()


def at(days: float = 0, hours: float = 0) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days, hours=hours)


def impression(user, movie_ids, *, when, experiment=None, variant="", kind="personalized", algorithm="hybrid-v1"):
    row = RecommendationLog.objects.create(
        user=user,
        kind=kind,
        algorithm=algorithm,
        movie_ids=list(movie_ids),
        experiment=experiment,
        variant=variant,
        request_id="r",
    )
    RecommendationLog.objects.filter(pk=row.pk).update(created_at=when)
    return row


def favorite(user, movie, *, when):
    row = FavoriteFactory(user=user, movie=movie)
    Favorite.objects.filter(pk=row.pk).update(created_at=when)
    return row


def interaction(user, movie, type_, *, when, rating=None):
    row = InteractionFactory(user=user, movie=movie, type=type_, rating=Decimal(str(rating)) if rating else None)
    Interaction.objects.filter(pk=row.pk).update(created_at=when, updated_at=when)
    return row


def make_experiment(name="blend-test", *, active=True, weights=(50, 50), treatment=None):
    return Experiment.objects.create(
        name=name,
        active=active,
        variants=[
            {"name": "control", "weight": weights[0], "algorithm": "hybrid", "params": {}},
            treatment or {"name": "treatment", "weight": weights[1], "algorithm": "popularity", "params": {}},
        ],
    )


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)
