"""Incremental index builds: after a small catalog change only the changed movies' neighbours are recomputed,
and the lists users see are right; a big, old or forced change builds in full."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from movies import graph
from movies.models import Genre, Movie
from recommendations import index_rows, services
from recommendations.engine import content
from recommendations.engine.index import EngineIndex
from recommendations.models import IndexArtifact, IndexMovie, RecommendationIndex
from recommendations.tasks import rebuild_recommendation_index
from tests.conftest import client_for
from tests.factories import MovieFactory, UserFactory, fans_like_in_order, liked_at
from tests.recommendations.conftest import ACTION, SCI_FI

FULL, INCREMENTAL = RecommendationIndex.Kind.FULL, RecommendationIndex.Kind.INCREMENTAL


def similar_ids(client, tmdb_id):
    response = client.get(f"/api/movies/{tmdb_id}/similar/", {"limit": 100})
    assert response.status_code == 200
    return [m["tmdb_id"] for m in response.json()["results"]]


def add_sequel():
    return MovieFactory(
        tmdb_id=606,
        title="The Matrix Resurrections",
        genres=list(Genre.objects.filter(tmdb_id__in=[SCI_FI, ACTION])),
        director="Lana Wachowski",
        cast=["Keanu Reeves", "Carrie-Anne Moss"],
        keywords=["simulation"],
        popularity=60,
    )


def content_lists() -> dict[int, list]:
    """Every movie's stored content list in the current build."""
    return dict(IndexMovie.objects.filter(build__current=True).values_list("tmdb_id", "content"))


def current_version() -> str:
    return RecommendationIndex.objects.get(current=True).version


def rebuild_if_stale() -> RecommendationIndex:
    """What a catalog change triggers (the signal receiver and a request that finds the index stale)."""
    return services.recommendation_index_build(force=False)


@pytest.fixture
def built(catalog):
    services.recommendation_index_build()
    return catalog


@pytest.mark.django_db
class TestIncrementalBuild:
    def test_a_new_sequel_shows_up_in_the_saga_after_an_incremental_build(self, api_client, built):
        assert 606 not in similar_ids(api_client, 603)
        add_sequel()
        cache.delete(services.CATALOG_KEY)  # as after RECOMMENDATIONS_CATALOG_CHECK_SECONDS

        # The request finds the index stale and (Celery eager) refreshes it before answering.
        assert 606 in similar_ids(api_client, 603)[:3]
        assert set(similar_ids(api_client, 606)[:3]) == {603, 604, 605}
        row = RecommendationIndex.objects.first()
        assert (row.kind, row.changed_movies, row.movie_count) == (INCREMENTAL, 1, len(built) + 1)

    def test_an_edited_director_moves_the_film_into_the_new_directors_lists(self, api_client, built):
        story = built["filler4"]
        assert story.tmdb_id not in similar_ids(api_client, 949)[:3]
        assert not {949, 1538} & set(similar_ids(api_client, story.tmdb_id))
        graph.movies_credits_from_names({story.pk: graph.NamedCredits(directors=("Michael Mann",))})

        row = rebuild_if_stale()

        assert row.kind == INCREMENTAL
        heat = api_client.get("/api/movies/949/similar/").json()["results"]
        assert story.tmdb_id in [m["tmdb_id"] for m in heat[:3]]
        assert "same director Michael Mann" in next(m["reason"] for m in heat if m["tmdb_id"] == story.tmdb_id)
        refreshed = similar_ids(api_client, story.tmdb_id)
        assert {949, 1538} <= set(refreshed)
        services.recommendation_index_build()  # a full build gives the edited film the very same list
        assert similar_ids(api_client, story.tmdb_id) == refreshed

    def test_a_removed_movie_appears_nowhere(self, api_client, built):
        assert 1538 in similar_ids(api_client, 949)
        Movie.objects.filter(tmdb_id=1538).delete()

        row = rebuild_if_stale()

        assert row.kind == INCREMENTAL
        for tmdb_id in Movie.objects.filter(adult=False).values_list("tmdb_id", flat=True):
            assert 1538 not in similar_ids(api_client, tmdb_id)
        assert api_client.get("/api/movies/1538/similar/").status_code == 404
        assert similar_ids(api_client, 949)  # Heat still has neighbours

    def test_a_refresh_writes_only_the_rows_of_the_changed_movie_and_those_that_list_it(self, built):
        story = built["filler4"]
        before = dict(IndexMovie.objects.filter(build__current=True).values_list("tmdb_id", "content"))
        retitled = {"title": "Heat Story", **Movie.normalized_titles(title="Heat Story")}  # words the build knows
        Movie.objects.filter(pk=story.pk).update(**retitled, updated_at=timezone.now())

        row = rebuild_if_stale()

        after = dict(IndexMovie.objects.filter(build__current=True).values_list("tmdb_id", "content"))
        differ = {t for t in after if after[t] != before[t]}
        assert row.kind == INCREMENTAL
        assert story.tmdb_id in differ
        assert row.rows_written == len(differ) < row.movie_count

    def test_words_new_since_the_full_build_count_from_the_next_full_build(self, built):
        """An incremental build makes an edited movie's features with the full build's vocabulary (no refit)."""
        story = built["filler4"]
        before = content_lists()[story.tmdb_id]
        Movie.objects.filter(pk=story.pk).update(overview="A lighthouse keeper", updated_at=timezone.now())

        assert rebuild_if_stale().kind == INCREMENTAL
        assert content_lists()[story.tmdb_id] == before
        services.recommendation_index_build(force=True)
        assert content_lists()[story.tmdb_id] != before

    def test_a_build_stores_what_the_next_incremental_one_reads(self, built):
        build = RecommendationIndex.objects.get(current=True)
        stored = EngineIndex.from_bytes(index_rows.artifact_read(build, "index"))
        features = content.ContentFeatures.from_bytes(index_rows.artifact_read(build, "features"))

        rows = set(IndexMovie.objects.filter(build=build).values_list("tmdb_id", flat=True))
        assert set(stored.tmdb_ids.tolist()) == rows == set(features.tmdb_ids.tolist())
        assert features.matrix.shape[0] == len(rows) and features.model.fields
        heat = stored.content[stored.position[949]]
        ids, scores = content_lists()[949]
        listed = dict(zip(stored.tmdb_ids[heat.indices].tolist(), heat.data.tolist(), strict=True))
        assert set(listed) == set(ids) and np.allclose([listed[t] for t in ids], scores, atol=1e-6)

    def test_only_the_current_build_keeps_artifacts(self, built):
        services.recommendation_index_build(force=True)

        current = RecommendationIndex.objects.get(current=True)
        assert RecommendationIndex.objects.count() == 2
        assert set(IndexArtifact.objects.values_list("build_id", flat=True)) == {current.pk}

    def test_a_build_stored_without_them_still_refreshes_incrementally(self, built):
        IndexArtifact.objects.all().delete()  # as a build from before artifacts were kept
        story = built["filler4"]
        before = content_lists()[story.tmdb_id]
        retitled = {"title": "Heat Story", **Movie.normalized_titles(title="Heat Story")}
        Movie.objects.filter(pk=story.pk).update(**retitled, updated_at=timezone.now())

        assert rebuild_if_stale().kind == INCREMENTAL
        assert content_lists()[story.tmdb_id] != before
        assert set(IndexArtifact.objects.values_list("name", flat=True)) == {"index", "features"}

    def test_unchanged_movies_keep_their_lists(self, api_client, built):
        unrelated = [509, 508, 77, 700_001]  # nothing in common with the sequel (no genre, person, word)
        before = {tmdb_id: similar_ids(api_client, tmdb_id) for tmdb_id in unrelated}
        add_sequel()

        row = rebuild_if_stale()

        assert row.kind == INCREMENTAL
        assert {tmdb_id: similar_ids(api_client, tmdb_id) for tmdb_id in unrelated} == before


@pytest.mark.django_db
class TestFullOrIncremental:
    def test_the_command_and_force_build_in_full_and_if_stale_incrementally(self, built, capsys):
        add_sequel()
        call_command("build_recommendations", "--if-stale")
        assert RecommendationIndex.objects.first().kind == INCREMENTAL
        assert "(incremental)" in capsys.readouterr().out

        MovieFactory(tmdb_id=607, title="The Animatrix")
        call_command("build_recommendations")
        assert RecommendationIndex.objects.first().kind == FULL

    def test_the_task_says_which_build_ran(self, built):
        add_sequel()

        result = rebuild_recommendation_index.delay(force=False).get()

        assert (result["kind"], result["changed_movies"]) == ("incremental", 1)
        assert rebuild_recommendation_index.delay().get()["kind"] == "full"

    def test_a_big_change_falls_back_to_a_full_build(self, built):
        for i in range(10):  # 10 of 41 movies: more than RECOMMENDATIONS_INCREMENTAL_MAX_SHARE (20%)
            story = built[f"filler{i}"]
            story.overview = "A remastered edition."
            story.save()

        row = rebuild_if_stale()

        assert row.kind == FULL

    def test_small_changes_add_up_to_a_full_build(self, built, settings):
        settings.RECOMMENDATIONS_INCREMENTAL_MAX_SHARE = 0.05  # 2 of 41 movies
        kinds = []
        for i in range(3):
            MovieFactory(tmdb_id=800_000 + i, title=f"New Release {i}")
            kinds.append(rebuild_if_stale().kind)

        assert kinds == [INCREMENTAL, INCREMENTAL, FULL]
        assert RecommendationIndex.objects.first().changed_since_full == 0

    def test_a_day_after_the_last_full_build_the_next_one_is_full(self, built):
        RecommendationIndex.objects.update(full_built_at=timezone.now() - datetime.timedelta(hours=25))
        add_sequel()

        row = rebuild_if_stale()

        assert row.kind == FULL
        assert row.full_built_at > timezone.now() - datetime.timedelta(minutes=1)

    def test_a_previous_index_with_another_k_is_rebuilt_in_full(self, built, settings):
        settings.RECOMMENDATIONS_NEIGHBOURS = 10
        add_sequel()

        assert rebuild_if_stale().kind == FULL

    def test_max_share_zero_always_builds_in_full(self, built, settings):
        settings.RECOMMENDATIONS_INCREMENTAL_MAX_SHARE = 0
        add_sequel()

        assert rebuild_if_stale().kind == FULL


@pytest.mark.django_db
class TestPeriodicInteractionRefresh:
    """Beat's job: force=False, interactions=True, with no catalog change."""

    def test_new_interactions_reach_the_lists_without_recomputing_content(self, built):
        before = content_lists()
        fans_like_in_order(built["notting"], built["filler5"], fans=4)
        user = UserFactory()
        liked_at(user, built["notting"], days_ago=0)

        result = rebuild_recommendation_index.delay(force=False, interactions=True).get()
        assert (result["kind"], result["changed_movies"]) == ("incremental", 0)
        assert result["version"] == current_version()
        assert content_lists() == before  # every content list kept
        first = client_for(user).get("/api/users/me/recommendations/", {"limit": 5}).json()["results"][0]
        assert (first["tmdb_id"], first["reason"]) == (700_005, "people often watch this after Notting Hill")

    def test_without_interactions_an_unchanged_catalog_builds_nothing(self, built):
        rows = RecommendationIndex.objects.count()

        result = rebuild_recommendation_index.delay(force=False).get()

        assert RecommendationIndex.objects.count() == rows and result["version"] == current_version()

    def test_a_day_after_the_last_full_build_the_periodic_job_builds_in_full(self, built):
        RecommendationIndex.objects.update(full_built_at=timezone.now() - datetime.timedelta(hours=25))

        assert rebuild_recommendation_index.delay(force=False, interactions=True).get()["kind"] == "full"
