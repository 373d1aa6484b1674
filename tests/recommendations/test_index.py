"""The shared index: built by the command and the task, built on demand, rebuilt when the catalog changes."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import call_command

from recommendations import services
from recommendations.models import RecommendationIndex
from recommendations.tasks import rebuild_recommendation_index
from tests.factories import MovieFactory


def similar_ids(client, tmdb_id):
    response = client.get(f"/api/movies/{tmdb_id}/similar/", {"limit": 100})
    assert response.status_code == 200
    return [m["tmdb_id"] for m in response.json()["results"]]


@pytest.mark.django_db
class TestIndex:
    def test_the_command_builds_and_stores_it(self, catalog, capsys):
        call_command("build_recommendations")

        row = RecommendationIndex.objects.get()
        assert row.movie_count == len(catalog)
        assert "Recommendation index" in capsys.readouterr().out

    def test_the_task_has_the_agreed_name(self, catalog):
        assert rebuild_recommendation_index.name == "recommendations.tasks.rebuild_recommendation_index"
        result = rebuild_recommendation_index.delay().get()

        assert result["built"] is True and result["movies"] == len(catalog)

    def test_if_stale_skips_a_fresh_index(self, catalog):
        call_command("build_recommendations")
        call_command("build_recommendations", "--if-stale")

        assert RecommendationIndex.objects.count() == 1

    def test_the_first_request_builds_a_missing_index(self, api_client, catalog):
        assert not RecommendationIndex.objects.exists()

        assert similar_ids(api_client, 603)[:2] in ([604, 605], [605, 604])
        assert RecommendationIndex.objects.count() == 1

    def test_a_catalog_change_rebuilds_it(self, api_client, catalog):
        similar_ids(api_client, 603)
        before = RecommendationIndex.objects.get().version
        MovieFactory(tmdb_id=606, title="The Matrix Resurrections", director="Lana Wachowski", keywords=["simulation"])
        cache.delete(services.CATALOG_KEY)  # as after RECOMMENDATIONS_CATALOG_CHECK_SECONDS

        assert 606 in similar_ids(api_client, 603)
        # A small change: the current build's rows refreshed in place, under a new version.
        assert RecommendationIndex.objects.get(current=True).version != before

    def test_another_process_reads_the_same_index_from_the_database(self, api_client, catalog):
        first = similar_ids(api_client, 603)
        version = RecommendationIndex.objects.get().version
        cache.clear()  # a fresh process: nothing in its cache

        assert similar_ids(api_client, 603) == first
        assert RecommendationIndex.objects.get().version == version

    def test_only_one_build_at_a_time(self, catalog):
        with services.build_lock() as held:  # another process building
            assert held
            assert services.recommendation_index_build() is None
            assert rebuild_recommendation_index.delay().get() == {"built": False, "reason": "another build is running"}

        assert services.recommendation_index_build() is not None  # the lock went with its holder

    def test_old_builds_are_pruned(self, catalog):
        for _ in range(4):
            services.recommendation_index_build()

        assert RecommendationIndex.objects.count() == services.KEEP_BUILDS

    def test_empty_catalog(self, api_client, db):
        assert services.current_build() is not None

        assert RecommendationIndex.objects.get(current=True).movie_count == 0
        assert api_client.get("/api/movies/1/similar/").status_code == 404

    def test_a_process_with_an_old_pointer_takes_the_newer_build_instead_of_rebuilding(self, api_client, catalog):
        similar_ids(api_client, 603)
        old_pointer = cache.get(services.CURRENT_KEY)
        MovieFactory(tmdb_id=606, title="The Matrix Resurrections", director="Lana Wachowski", keywords=["simulation"])
        services.recommendation_index_build()  # another process rebuilt after the catalog change
        cache.set(services.CURRENT_KEY, old_pointer)  # this process still points at the old build
        cache.delete(services.CATALOG_KEY)

        assert 606 in similar_ids(api_client, 603)
        assert RecommendationIndex.objects.count() == 2
