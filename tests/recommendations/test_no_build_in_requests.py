"""Requests never build the index: with none built yet they queue a build and answer from the popularity prior,
saying so; builds take a lock that dies with its holder; a new build becomes current only when complete."""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from recommendations import builds, services, tasks
from recommendations.models import IndexMovie, RecommendationIndex
from tests.conftest import client_for
from tests.factories import FavoriteFactory, UserFactory


@pytest.fixture
def queue_only(monkeypatch):
    """Celery as production runs it, with the worker not there yet: a queued build is recorded, not run."""
    queued = []
    monkeypatch.setattr(tasks.rebuild_recommendation_index, "delay", lambda **kwargs: queued.append(kwargs))
    return queued


@pytest.mark.django_db
class TestNoIndexYet:
    def test_similar_answers_from_the_popularity_prior_and_queues_a_build(self, api_client, catalog, queue_only):
        body = api_client.get("/api/movies/603/similar/", {"limit": 5}).json()

        assert body["algorithm"] == services.PRIOR_ALGORITHM
        assert len(body["results"]) == 5
        assert 603 not in [m["tmdb_id"] for m in body["results"]]
        assert {m["reason"] for m in body["results"]} == {services.PRIOR_REASON}
        # The most popular films sharing a genre with The Matrix, best first.
        assert [m["tmdb_id"] for m in body["results"][:2]] == [27205, 157336]
        assert queue_only == [{"force": False}]
        assert not RecommendationIndex.objects.exists()

    def test_personalized_answers_from_the_prior_without_the_users_seen_movies(self, catalog, queue_only):
        user = UserFactory()
        FavoriteFactory(user=user, movie=catalog["inception"])

        body = client_for(user).get("/api/users/me/recommendations/", {"limit": 3}).json()

        assert body["algorithm"] == services.PRIOR_ALGORITHM
        assert [m["tmdb_id"] for m in body["results"]] == [157336, 603, 604]  # by popularity, Inception seen
        assert {m["reason"] for m in body["results"]} == {services.PRIOR_REASON}
        assert not RecommendationIndex.objects.exists()

    def test_requests_queue_one_build_not_one_each(self, api_client, catalog, queue_only):
        for _ in range(3):
            assert api_client.get("/api/movies/603/similar/").status_code == 200

        assert queue_only == [{"force": False}]

    def test_once_a_worker_built_it_the_engine_answers(self, api_client, catalog, queue_only):
        api_client.get("/api/movies/603/similar/")
        tasks.rebuild_recommendation_index(**queue_only[0])  # the worker runs the queued build

        body = api_client.get("/api/movies/603/similar/").json()

        assert body["algorithm"] == "content-tfidf-v1"
        assert [m["tmdb_id"] for m in body["results"][:2]] in ([604, 605], [605, 604])


@pytest.mark.django_db
class TestCurrentBuild:
    def test_the_previous_build_serves_until_the_new_one_is_complete(self, api_client, catalog, monkeypatch):
        first = services.recommendation_index_build()

        def broken(build, *, keep):
            assert IndexMovie.objects.filter(build=build).count() == len(catalog)  # its rows are written
            raise RuntimeError("the builder died before the switch")

        monkeypatch.setattr(builds.index_rows, "build_switch", broken)
        with pytest.raises(RuntimeError):
            services.recommendation_index_build()

        assert list(RecommendationIndex.objects.values_list("version", "current")) == [(first.version, True)]
        assert IndexMovie.objects.filter(build=first).count() == len(catalog)

    def test_exactly_one_build_is_current(self, catalog):
        for _ in range(3):
            services.recommendation_index_build()

        assert RecommendationIndex.objects.filter(current=True).count() == 1
        assert RecommendationIndex.objects.count() == services.KEEP_BUILDS


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: advisory locks (set DATABASE_URL)")
@pytest.mark.django_db
def test_the_build_lock_is_held_by_a_session_and_dies_with_it(catalog):
    holder = connections.create_connection(DEFAULT_DB_ALIAS)  # another builder's session
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [builds.LOCK_ID])

    assert services.recommendation_index_build() is None

    holder.close()  # the builder is killed: its session ends

    assert services.recommendation_index_build() is not None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: VACUUM (set DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_a_build_leaves_the_index_tables_vacuumed_and_analyzed(catalog):
    """The planner knows the rows a build just wrote: without statistics it takes the tables for empty."""
    services.recommendation_index_build()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables"
            " WHERE relname = ANY(%s)",
            [["recommendations_indexmovie", "recommendations_indexperson", "recommendations_indexgenre"]],
        )
        tidied = {name: (vacuumed, analyzed) for name, vacuumed, analyzed in cursor.fetchall()}
    assert tidied == dict.fromkeys(tidied, (True, True)) and len(tidied) == 3
