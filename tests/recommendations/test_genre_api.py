from __future__ import annotations

import pytest
from django.core.cache import cache

from recommendations import tasks
from recommendations.models import IndexGenre, RecommendationIndex
from tests.conftest import client_for
from tests.factories import FavoriteFactory, InteractionFactory, UserFactory


def genre_picks(client, genre, **params):
    return client.get(f"/api/recommendations/genre/{genre}/", params)


@pytest.mark.django_db
class TestGenrePicks:
    def test_by_id_ranked_by_weighted_rating_and_popularity(self, api_client, catalog):
        response = genre_picks(api_client, 878)

        assert response.status_code == 200
        ids = [m["tmdb_id"] for m in response.json()["results"]]
        # Inception and Interstellar (8.4 from 30,000 votes) before the Matrix sequels.
        assert set(ids[:2]) == {27205, 157336}
        assert ids.index(603) < ids.index(604) < ids.index(605)
        assert 999001 not in ids  # adult, anonymous caller
        assert response.json()["results"][0]["reason"] == "rated 8.4 by 30,000 voters"

    # The resolver /api/movies/?genre= uses too (movies.selectors.genre_resolve).
    @pytest.mark.parametrize("name", ["science fiction", "SCIENCE FICTION", "Science Fiction", "science fíction"])
    def test_by_name_in_any_case(self, api_client, catalog, name):
        response = genre_picks(api_client, name)

        assert response.status_code == 200
        assert response.json()["count"] == 5  # the adult title is hidden

    def test_unseen_first_for_a_signed_in_user(self, catalog):
        user = UserFactory()
        FavoriteFactory(user=user, movie=catalog["inception"])
        InteractionFactory(user=user, movie=catalog["interstellar"], type="watched")

        ids = [m["tmdb_id"] for m in genre_picks(client_for(user), 878).json()["results"]]

        assert ids[-2:] == [27205, 157336] or ids[-2:] == [157336, 27205]

    @pytest.mark.parametrize("genre", ["99999", "not-a-genre"])
    def test_unknown_genre_is_a_404_envelope(self, api_client, catalog, genre):
        response = genre_picks(api_client, genre)

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert response.json()["status"] == "error"

    def test_paginated(self, api_client, catalog):
        body = genre_picks(api_client, 18, limit=3, page=2).json()

        assert body["count"] == 19  # Interstellar, Memento, Heat, Collateral and 15 dramas
        assert len(body["results"]) == 3
        assert body["previous"] is not None


@pytest.mark.django_db
class TestStoredGenrePicks:
    """A build stores each genre's best movies as one row; a request reads that row, not the genre's movies."""

    def test_a_request_reads_the_builds_row(self, api_client, catalog, django_assert_max_num_queries):
        first = genre_picks(api_client, 878).json()  # the first request queues the (eager) build
        rows = IndexGenre.objects.filter(genre=878)

        assert {r.adult for r in rows} == {False, True}
        assert [m["tmdb_id"] for m in first["results"]] == rows.get(adult=False).tmdb_ids
        assert 999001 in rows.get(adult=True).tmdb_ids and 999001 not in rows.get(adult=False).tmdb_ids
        # genre lookup, current build, the stored row, the page's movies and their genres, the impression
        with django_assert_max_num_queries(8):
            again = genre_picks(api_client, 878)
        assert again.json()["results"] == first["results"]

    def test_an_adult_user_gets_the_list_with_adult_titles(self, catalog):
        ids = [m["tmdb_id"] for m in genre_picks(client_for(UserFactory()), 878).json()["results"]]

        assert 999001 in ids

    def test_without_a_build_the_database_ranks_the_same(self, api_client, catalog, monkeypatch):
        built = genre_picks(api_client, 878).json()
        RecommendationIndex.objects.all().delete()
        monkeypatch.setattr(tasks.rebuild_recommendation_index, "delay", lambda **kwargs: None)
        cache.clear()
        unbuilt = genre_picks(api_client, 878).json()

        assert not RecommendationIndex.objects.exists()
        assert [(m["tmdb_id"], m["score"]) for m in unbuilt["results"]] == [
            (m["tmdb_id"], m["score"]) for m in built["results"]
        ]

    def test_the_stored_list_is_capped(self, api_client, catalog, settings):
        settings.RECOMMENDATIONS_GENRE_LIST_SIZE = 3

        body = genre_picks(api_client, 18).json()

        assert body["count"] == 3
        assert len(body["results"]) == 3
