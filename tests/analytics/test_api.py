from __future__ import annotations

import pytest

from recommendations import services
from recommendations.models import EvaluationRun, RecommendationLog
from tests.analytics.conftest import at, favorite, impression, interaction, make_experiment
from tests.conftest import client_for
from tests.factories import GenreFactory, MovieFactory, PreferenceFactory, UserFactory

ADMIN_URLS = ["/api/admin/experiments/", "/api/admin/analytics/", "/api/admin/model-performance/"]


@pytest.mark.django_db
class TestPermissions:
    @pytest.mark.parametrize("url", [*ADMIN_URLS, "experiment"])
    def test_staff_only(self, api_client, staff, url):
        if url == "experiment":
            url = f"/api/admin/experiments/{make_experiment().pk}/"

        anonymous = api_client.get(url)
        user = client_for(UserFactory()).get(url)
        admin = client_for(staff).get(url)

        assert anonymous.status_code == 401
        assert anonymous.json()["status"] == "error"
        assert user.status_code == 403
        assert user.json()["code"] == "permission_denied"
        assert admin.status_code == 200, admin.content

    def test_unknown_experiment_is_a_404_in_the_envelope(self, staff):
        response = client_for(staff).get("/api/admin/experiments/999999/")

        assert response.status_code == 404
        assert response.json()["status"] == "error"

    def test_user_analytics_needs_a_login(self, api_client):
        assert api_client.get("/api/users/me/analytics/").status_code == 401

    def test_bad_parameters_are_400s(self, staff):
        assert client_for(staff).get("/api/admin/analytics/", {"period": "year"}).status_code == 400
        assert client_for(staff).get("/api/admin/model-performance/", {"days": 0}).status_code == 400


@pytest.mark.django_db
class TestExperimentResults:
    def test_per_variant_statistics(self, staff):
        experiment = make_experiment()
        movies = [MovieFactory(popularity=10) for _ in range(4)]
        # control: 4 users, 1 converts; treatment: 4 users, 3 convert (one of them twice, at positions 1 and 2)
        for i in range(4):
            user = UserFactory()
            impression(user, [m.tmdb_id for m in movies[:2]], when=at(days=2), experiment=experiment, variant="control")
            if i == 0:
                favorite(user, movies[0], when=at(days=1))
        for i in range(4):
            user = UserFactory()
            impression(
                user, [m.tmdb_id for m in movies[2:]], when=at(days=2), experiment=experiment, variant="treatment"
            )
            if i < 3:
                interaction(user, movies[2], "liked", when=at(days=1))
            if i == 0:
                interaction(user, movies[3], "rated", rating=5, when=at(days=1))

        body = client_for(staff).get(f"/api/admin/experiments/{experiment.pk}/").json()

        control, treatment = body["variants"]
        assert body["control"] == "control"
        assert (control["impressions"], control["users"], control["converted_users"]) == (4, 4, 1)
        assert (treatment["users"], treatment["converted_users"], treatment["conversions"]) == (4, 3, 4)
        assert control["outcome_rate"] == 0.25 and treatment["outcome_rate"] == 0.75
        assert treatment["lift"] == pytest.approx(2.0)
        # pooled 0.5, se = sqrt(0.25 * 0.5) = 0.35355, z = 0.5 / se = 1.41421, p = 0.15730
        assert treatment["z"] == pytest.approx(1.41421, abs=1e-4)
        assert treatment["p_value"] == pytest.approx(0.15730, abs=1e-4)
        assert control["p_value"] is None
        assert treatment["conversions_by_position"][:3] == [3, 1, 0]
        assert treatment["ci95"][0] < 0.75 < treatment["ci95"][1]
        assert control["coverage"] == pytest.approx(2 / 4)
        assert control["novelty"] == pytest.approx(2.0)  # each served movie has 1/4 of the catalog's popularity
        assert [(p["variant"], p["impressions"], p["converted"]) for p in body["daily"]] == [
            ("control", 4, 1),
            ("treatment", 4, 3),
        ]

    def test_results_are_cached_briefly(self, staff, django_assert_max_num_queries):
        experiment = make_experiment()
        impression(UserFactory(), [1], when=at(days=1), experiment=experiment, variant="control")
        client = client_for(staff)
        first = client.get(f"/api/admin/experiments/{experiment.pk}/").json()
        impression(UserFactory(), [1], when=at(days=1), experiment=experiment, variant="control")

        with django_assert_max_num_queries(3):  # the staff user and the experiment; the figures come from cache
            again = client.get(f"/api/admin/experiments/{experiment.pk}/").json()

        assert again["variants"] == first["variants"]

    @pytest.mark.parametrize("users", [2, 12])
    def test_query_count_does_not_grow_with_the_data(self, staff, users, django_assert_max_num_queries):
        experiment = make_experiment()
        for _ in range(users):
            user = UserFactory()
            movie = MovieFactory()
            impression(user, [movie.tmdb_id], when=at(days=2), experiment=experiment, variant="control")
            favorite(user, movie, when=at(days=1))
        client = client_for(staff)

        with django_assert_max_num_queries(8):
            assert client.get(f"/api/admin/experiments/{experiment.pk}/").status_code == 200

    def test_admin_page_shows_the_chart(self, client):
        staff = UserFactory(is_staff=True, is_superuser=True)
        experiment = make_experiment()
        user = UserFactory()
        impression(user, [1, 2], when=at(days=3), experiment=experiment, variant="control")
        impression(user, [1, 2], when=at(days=1), experiment=experiment, variant="control")
        client.force_login(staff)

        page = client.get(f"/admin/recommendations/experiment/{experiment.pk}/change/")

        assert page.status_code == 200
        assert b"<svg" in page.content and b"<polyline" in page.content
        assert b"outcome rate [95% CI]" in page.content

    def test_stopping_from_the_admin_ends_assignment(self, client, catalog):
        staff = UserFactory(is_staff=True, is_superuser=True)
        experiment = make_experiment()
        user = UserFactory()
        assert "X-Experiment-Variant" in client_for(user).get("/api/users/me/recommendations/")
        client.force_login(staff)

        client.post(
            "/admin/recommendations/experiment/",
            {"action": "stop", "_selected_action": [experiment.pk]},
        )

        experiment.refresh_from_db()
        assert not experiment.active and experiment.ends_at is not None
        assert "X-Experiment-Variant" not in client_for(user).get("/api/users/me/recommendations/")


@pytest.mark.django_db
class TestPersonalizedVariant:
    def test_response_names_the_variant_and_the_log_records_it(self, catalog):
        experiment = make_experiment()
        user = UserFactory()

        response = client_for(user).get("/api/users/me/recommendations/", HTTP_X_REQUEST_ID="req-123")

        assert response.status_code == 200
        assert response["X-Experiment"] == "blend-test"
        variant = response["X-Experiment-Variant"]
        assert variant in {"control", "treatment"}
        assert response["X-Request-Id"] == "req-123"
        log = RecommendationLog.objects.get()
        assert (log.experiment_id, log.variant, log.request_id) == (experiment.pk, variant, "req-123")
        assert log.movie_ids == [m["tmdb_id"] for m in response.json()["results"]]

    def test_the_popularity_variant_serves_the_popularity_ranking(self, catalog):
        make_experiment(weights=(0, 100))  # everyone in "treatment": popularity only
        user = UserFactory()
        interaction(user, catalog["matrix"], "liked", when=at(days=1))

        response = client_for(user).get("/api/users/me/recommendations/", {"limit": 5})

        assert response["X-Experiment-Variant"] == "treatment"
        assert {m["reason"] for m in response.json()["results"]} == {"popular and highly rated"}

    def test_the_popularity_variant_ignores_saved_preferences(self, catalog):
        make_experiment(weights=(0, 100))
        user = UserFactory()
        PreferenceFactory(user=user, genres=[10749])

        response = client_for(user).get("/api/users/me/recommendations/", {"limit": 5})

        assert response["X-Experiment-Variant"] == "treatment"
        assert {m["reason"] for m in response.json()["results"]} == {"popular and highly rated"}

    def test_without_an_experiment_nothing_changes(self, catalog):
        response = client_for(UserFactory()).get("/api/users/me/recommendations/")

        assert "X-Experiment" not in response
        assert RecommendationLog.objects.get().algorithm == "hybrid-v2"
        assert len(response["X-Request-Id"]) == 32

    def test_other_lists_record_a_request_id(self, api_client, catalog):
        response = api_client.get("/api/movies/603/similar/", HTTP_X_REQUEST_ID="abc")

        assert response["X-Request-Id"] == "abc"
        assert RecommendationLog.objects.get().request_id == "abc"


@pytest.mark.django_db
class TestUserAnalytics:
    def test_own_figures_only(self):
        sci_fi, drama = GenreFactory(tmdb_id=878, name="Science Fiction"), GenreFactory(tmdb_id=18, name="Drama")
        nolan = [MovieFactory(genres=[sci_fi], director="Christopher Nolan", cast=["Cillian Murphy"]) for _ in range(2)]
        other = MovieFactory(genres=[drama], director="Greta Gerwig")
        me, someone = UserFactory(), UserFactory()
        favorite(me, nolan[0], when=at(days=1))
        interaction(me, nolan[1], "rated", rating=4.5, when=at(days=1))
        interaction(me, other, "rated", rating=2, when=at(days=40))
        favorite(someone, other, when=at(days=1))
        interaction(someone, other, "liked", when=at(days=1))

        body = client_for(me).get("/api/users/me/analytics/").json()

        assert body["favorite_genres"] == [{"id": 878, "name": "Science Fiction", "count": 2}]
        assert body["ratings"]["count"] == 2 and body["ratings"]["mean"] == 3.25
        assert {(r["rating"], r["count"]) for r in body["ratings"]["distribution"] if r["count"]} == {
            (4.5, 1),
            (2.0, 1),
        }
        assert body["people"]["directors"] == [{"name": "Christopher Nolan", "count": 2}]
        assert body["people"]["cast"] == [{"name": "Cillian Murphy", "count": 2}]
        assert sum(p["total"] for p in body["activity"]["series"]) == 3
        assert sum(p["favorite"] for p in body["activity"]["series"]) == 1

    def test_weekly_activity(self):
        me = UserFactory()
        interaction(me, MovieFactory(), "watched", when=at(days=0))
        interaction(me, MovieFactory(), "watched", when=at(days=14))

        series = client_for(me).get("/api/users/me/analytics/", {"period": "week"}).json()["activity"]["series"]

        assert len(series) == 2
        assert all(p["watched"] == 1 for p in series)

    @pytest.mark.parametrize("size", [1, 10])
    def test_query_count_does_not_grow(self, size, django_assert_max_num_queries):
        me = UserFactory()
        genre = GenreFactory()
        for _ in range(size):
            movie = MovieFactory(genres=[genre], director="Someone", cast=["A", "B"])
            favorite(me, movie, when=at(days=1))
            interaction(me, movie, "rated", rating=5, when=at(days=2))
        client = client_for(me)

        with django_assert_max_num_queries(8):  # the user + seven
            assert client.get("/api/users/me/analytics/").status_code == 200


@pytest.mark.django_db
class TestSiteAnalytics:
    def test_aggregates_and_top_titles(self, staff):
        genre = GenreFactory(tmdb_id=35, name="Comedy")
        hit, miss = MovieFactory(title="Hit", genres=[genre]), MovieFactory(title="Miss")
        for _ in range(3):
            user = UserFactory()
            impression(user, [miss.tmdb_id, hit.tmdb_id], when=at(days=2))
            favorite(user, hit, when=at(days=1))

        body = client_for(staff).get("/api/admin/analytics/").json()

        assert body["favorite_genres"] == [{"id": 35, "name": "Comedy", "count": 3}]
        assert body["most_converted"] == [{"tmdb_id": hit.tmdb_id, "title": "Hit", "count": 3}]
        assert {m["title"]: m["count"] for m in body["most_recommended"]} == {"Hit": 3, "Miss": 3}
        assert body["users"]["recommended_to"] == 3
        assert body["impressions"] == 3

    @pytest.mark.parametrize("size", [1, 8])
    def test_query_count_does_not_grow(self, staff, size, django_assert_max_num_queries):
        for _ in range(size):
            user, movie = UserFactory(), MovieFactory(genres=[GenreFactory()])
            impression(user, [movie.tmdb_id], when=at(days=2))
            favorite(user, movie, when=at(days=1))
        client = client_for(staff)

        with django_assert_max_num_queries(15):
            assert client.get("/api/admin/analytics/").status_code == 200


@pytest.mark.django_db
class TestModelPerformance:
    def test_newest_offline_run_next_to_online_rates(self, staff):
        services.evaluation_run_record(
            dataset="old", result={"seed": 1, "seconds": 1.0, "results": {"popularity": {"ndcg@10": 0.1}}}
        )
        services.evaluation_run_record(
            dataset="ml-latest-small",
            result={"seed": 42, "seconds": 12.5, "results": {"our engine (hybrid)": {"ndcg@10": 0.2, "users": 600}}},
        )
        EvaluationRun.objects.filter(dataset="old").update(created_at=at(days=3))
        experiment = make_experiment()
        user, movie = UserFactory(), MovieFactory()
        impression(
            user,
            [movie.tmdb_id],
            when=at(days=2),
            experiment=experiment,
            variant="control",
            algorithm="hybrid:blend-test/control",
        )
        favorite(user, movie, when=at(days=1))
        impression(UserFactory(), [movie.tmdb_id], when=at(days=2), kind="genre", algorithm="weighted-rating-v1")

        body = client_for(staff).get("/api/admin/model-performance/").json()

        assert body["offline"]["dataset"] == "ml-latest-small"
        assert body["offline"]["metrics"]["our engine (hybrid)"]["ndcg@10"] == 0.2
        rates = {(r["kind"], r["algorithm"], r["variant"]): r for r in body["online"]["rates"]}
        assert rates[("personalized", "hybrid:blend-test/control", "control")]["outcome_rate"] == 1.0
        assert rates[("genre", "weighted-rating-v1", "")]["outcome_rate"] == 0.0

    def test_no_run_yet(self, staff):
        assert client_for(staff).get("/api/admin/model-performance/").json()["offline"] is None


@pytest.mark.django_db
def test_the_natural_language_list_records_the_request_id(api_client, catalog):
    response = api_client.post(
        "/api/recommend/", {"query": "science fiction", "limit": 3}, format="json", HTTP_X_REQUEST_ID="nl-1"
    )

    assert response.status_code == 200
    assert response["X-Request-Id"] == "nl-1"
    log = RecommendationLog.objects.get()
    assert (log.kind, log.request_id) == ("natural_language", "nl-1")
    assert log.movie_ids == [m["tmdb_id"] for m in response.json()["results"]]


@pytest.mark.django_db
def test_an_experiment_outside_its_dates_does_not_serve(catalog):
    experiment = make_experiment()
    experiment.starts_at = at(days=-1)  # tomorrow
    experiment.save()

    assert "X-Experiment" not in client_for(UserFactory()).get("/api/users/me/recommendations/")


@pytest.mark.django_db
def test_an_id_beyond_the_integer_range_is_a_404(staff):
    assert client_for(staff).get("/api/admin/experiments/99999999999999999999/").status_code == 404
