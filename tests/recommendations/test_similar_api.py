from __future__ import annotations

import pytest

from movies.models import Collection, Movie
from recommendations.models import RecommendationLog
from tests.conftest import client_for
from tests.factories import UserFactory


def similar(client, tmdb_id, **params):
    return client.get(f"/api/movies/{tmdb_id}/similar/", params)


@pytest.mark.django_db
class TestSimilarMovies:
    def test_sequels_come_first_and_never_the_movie_itself(self, api_client, catalog):
        response = similar(api_client, 603)

        assert response.status_code == 200
        ids = [m["tmdb_id"] for m in response.json()["results"]]
        assert ids[:2] == [604, 605] or ids[:2] == [605, 604]
        assert 603 not in ids

    def test_a_shared_collection_outranks_everything_else_and_says_so(self, api_client, catalog):
        franchise = Collection.objects.create(tmdb_id=9999, name="An Odd Franchise")
        Movie.objects.filter(tmdb_id__in=[949, 509]).update(collection=franchise)

        results = similar(api_client, 949).json()["results"]

        assert results[0]["tmdb_id"] == 509, "a romance nothing else links to Heat comes first"
        assert results[0]["reason"].startswith("same collection: An Odd Franchise")
        assert "same collection" not in results[1]["reason"]

    def test_same_director_films_come_first_with_a_readable_reason(self, api_client, catalog):
        results = similar(api_client, 27205).json()["results"]

        assert {m["tmdb_id"] for m in results[:2]} == {157336, 77}
        assert "same director Christopher Nolan" in results[0]["reason"]
        assert all(isinstance(m["score"], float) for m in results)
        assert results == sorted(results, key=lambda m: -m["score"])

    def test_reason_names_shared_genres_and_keywords(self, api_client, catalog):
        results = similar(api_client, 949).json()["results"]
        collateral = next(m for m in results if m["tmdb_id"] == 1538)

        assert "same director Michael Mann" in collateral["reason"]
        assert "shares Action, Crime, Drama" in collateral["reason"]
        assert "keywords los angeles" in collateral["reason"]

    def test_items_carry_the_movie_summary(self, api_client, catalog):
        item = similar(api_client, 603).json()["results"][0]

        assert {"tmdb_id", "title", "overview", "release_date", "genres", "popularity", "vote_average"} <= set(item)
        assert {"vote_count", "poster_url", "score", "reason"} <= set(item)

    def test_limit_and_pages(self, api_client, catalog):
        first = similar(api_client, 603, limit=2).json()
        second = similar(api_client, 603, limit=2, page=2).json()

        assert len(first["results"]) == 2
        assert first["next"] is not None
        assert first["count"] > 2
        assert not {m["tmdb_id"] for m in first["results"]} & {m["tmdb_id"] for m in second["results"]}

    def test_adult_titles_only_for_adults(self, api_client, catalog):
        anonymous = {m["tmdb_id"] for m in similar(api_client, 603, limit=100).json()["results"]}
        adult = {m["tmdb_id"] for m in similar(client_for(UserFactory()), 603, limit=100).json()["results"]}

        assert 999001 not in anonymous
        assert 999001 in adult
        assert similar(api_client, 999001).status_code == 404

    def test_unknown_movie_is_a_404_envelope(self, api_client, catalog):
        response = similar(api_client, 123456789)

        assert response.status_code == 404
        assert response.json() == {
            "status": "error",
            "code": "not_found",
            "message": "Movie not found.",
            "errors": {},
        }

    @pytest.mark.parametrize("params", [{"limit": "abc"}, {"limit": 0}, {"limit": 101}, {"page": 0}])
    def test_bad_pagination_is_a_400_envelope(self, api_client, catalog, params):
        response = similar(api_client, 603, **params)

        assert response.status_code == 400
        body = response.json()
        assert body["status"] == "error" and body["code"] == "invalid"
        assert set(body["errors"]) <= {"limit", "page"} and body["errors"]

    def test_each_list_served_is_logged(self, api_client, catalog):
        ids = [m["tmdb_id"] for m in similar(api_client, 603, limit=3).json()["results"]]

        log = RecommendationLog.objects.get()
        assert (log.kind, log.query, log.movie_ids, log.user) == ("similar", "603", ids, None)

    def test_a_warm_request_costs_a_handful_of_queries(self, api_client, catalog, django_assert_max_num_queries):
        similar(api_client, 603)  # builds the index

        # movie, its genres, its index row, its neighbours' rows, the page's movies, their genres, the log insert
        with django_assert_max_num_queries(7):
            assert similar(api_client, 603).status_code == 200
