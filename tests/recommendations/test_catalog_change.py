"""A bulk catalog change rebuilds the recommendation index with no other command."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from movies.services import catalog_bulk_changed
from recommendations.models import RecommendationIndex
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_load_builds_the_index_and_similar_answers_at_once():
    call_command("load_demo_catalog", stdout=io.StringIO())

    index = RecommendationIndex.objects.get()
    assert index.movie_count > 5000
    response = APIClient().get("/api/movies/949/similar/?limit=5")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 5
    assert 949 not in [m["tmdb_id"] for m in response.json()["results"]]


def test_a_later_catalog_change_rebuilds_for_the_new_catalog():
    MovieFactory.create_batch(3)
    catalog_bulk_changed()
    first = RecommendationIndex.objects.get()

    MovieFactory.create_batch(2)
    catalog_bulk_changed()

    rebuilt = RecommendationIndex.objects.latest("id")
    assert rebuilt.movie_count == 5
    assert rebuilt.version != first.version


def test_a_small_sync_refreshes_the_index_incrementally():
    MovieFactory.create_batch(20)
    catalog_bulk_changed()

    MovieFactory(title="Movie Sequel")
    catalog_bulk_changed()

    rebuilt = RecommendationIndex.objects.latest("id")
    assert (rebuilt.kind, rebuilt.changed_movies, rebuilt.movie_count) == ("incremental", 1, 21)
