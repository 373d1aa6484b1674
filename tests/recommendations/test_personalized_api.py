from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import F

from recommendations.models import RecommendationLog
from tests.conftest import client_for
from tests.factories import (
    FavoriteFactory,
    InteractionFactory,
    PreferenceFactory,
    UserFactory,
    fans_like_in_order,
    liked_at,
)
from users.models import User

URL = "/api/users/me/recommendations/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [m["tmdb_id"] for m in response.json()["results"]]


def bump_taste(user) -> None:
    """What the users service does on every taste-changing write."""
    User.objects.filter(pk=user.pk).update(taste_version=F("taste_version") + 1)


@pytest.mark.django_db
class TestPersonalized:
    def test_requires_authentication(self, api_client, catalog):
        response = api_client.get(URL)

        assert response.status_code == 401
        assert response.json()["status"] == "error"

    def test_cold_start_gives_a_full_list_of_popular_titles(self, catalog):
        response = client_for(UserFactory()).get(URL, {"limit": 20})

        results = response.json()["results"]
        assert len(results) == 20
        assert response.json()["count"] >= 20
        assert results[0]["reason"] == "popular and highly rated"

    def test_preferences_seed_a_cold_start(self, catalog):
        user = UserFactory()
        PreferenceFactory(user=user, genres=[10749], people=[], movies=[])

        results = client_for(user).get(URL, {"limit": 5}).json()["results"]

        assert {m["tmdb_id"] for m in results[:2]} == {509, 508}
        assert results[0]["reason"] == "matches your taste for Romance"

    def test_preferred_people(self, catalog):
        user = UserFactory()
        PreferenceFactory(user=user, people=["michael mann"])

        results = client_for(user).get(URL, {"limit": 5}).json()["results"]

        assert {m["tmdb_id"] for m in results[:2]} == {949, 1538}
        assert results[0]["reason"] == "directed by Michael Mann, from your preferences"

    def test_a_like_brings_its_neighbours_with_a_reason(self, catalog):
        user = UserFactory()
        InteractionFactory(user=user, movie=catalog["heat"], type="liked")

        results = client_for(user).get(URL, {"limit": 5}).json()["results"]

        assert results[0]["tmdb_id"] == 1538
        assert results[0]["reason"] == "because you liked Heat"

    def test_other_users_co_likes_are_a_signal(self, catalog):
        # Three other users liked both Notting Hill and Quiet Story 3; nothing in their content links them.
        # They liked Quiet Story 3 first, so it is not something they watched *after* Notting Hill.
        fans_like_in_order(catalog["filler3"], catalog["notting"], fans=3)
        user = UserFactory()
        FavoriteFactory(user=user, movie=catalog["notting"])

        results = client_for(user).get(URL, {"limit": 5}).json()["results"]
        co_liked = next(m for m in results if m["tmdb_id"] == 700_003)

        assert co_liked["reason"] == "people who liked Notting Hill also liked this"

    def test_what_people_watch_next_follows_the_latest_movies_with_a_reason(self, catalog):
        # Four other users watched Notting Hill and then, soon after, Quiet Story 5 (no content link).
        fans_like_in_order(catalog["notting"], catalog["filler5"], fans=4)
        user = UserFactory()
        liked_at(user, catalog["notting"], days_ago=0)

        results = client_for(user).get(URL, {"limit": 5}).json()["results"]

        assert results[0]["tmdb_id"] == 700_005
        assert results[0]["reason"] == "people often watch this after Notting Hill"

    def test_what_people_watch_next_is_directed(self, catalog):
        # The same fans: Notting Hill, then Quiet Story 5. Someone who liked Quiet Story 5 is not sent back.
        fans_like_in_order(catalog["notting"], catalog["filler5"], fans=4)
        user = UserFactory()
        liked_at(user, catalog["filler5"], days_ago=0)

        results = client_for(user).get(URL, {"limit": 5}).json()["results"]
        notting = next(m for m in results if m["tmdb_id"] == catalog["notting"].tmdb_id)

        # Still a co-like (the fans liked both), but not "watched after".
        assert notting["reason"] == "people who liked Quiet Story 5 also liked this"

    def test_excluded_titles_are_never_served(self, catalog):
        user = UserFactory()
        FavoriteFactory(user=user, movie=catalog["matrix"])
        InteractionFactory(user=user, movie=catalog["reloaded"], type="watched")
        InteractionFactory(user=user, movie=catalog["revolutions"], type="rated", rating=Decimal("4.5"))
        InteractionFactory(user=user, movie=catalog["inception"], type="disliked")
        excluded = {603, 604, 605, 27205}

        served = ids(client_for(user).get(URL, {"limit": 100}))

        assert not excluded & set(served)
        assert len(served) == len(set(served))

    def test_adult_titles_never_for_a_minor_or_unknown_age(self, catalog):
        user = UserFactory(date_of_birth=None)
        FavoriteFactory(user=user, movie=catalog["matrix"])

        assert 999001 not in ids(client_for(user).get(URL, {"limit": 100}))

    def test_a_dislike_pushes_similar_titles_away(self, catalog):
        user = UserFactory()
        PreferenceFactory(user=user, genres=[10749, 35])
        client = client_for(user)
        before = {m["tmdb_id"]: m["score"] for m in client.get(URL, {"limit": 100}).json()["results"]}
        InteractionFactory(user=user, movie=catalog["notting"], type="disliked")
        bump_taste(user)

        after = {m["tmdb_id"]: m["score"] for m in client.get(URL, {"limit": 100}).json()["results"]}

        assert 509 not in after
        assert after[508] < before[508]  # Love Actually shares Notting Hill's genres, keyword and cast
        assert after[700_001] == before[700_001]  # an unrelated drama keeps its score

    def test_diverse_at_most_two_per_director(self, catalog):
        user = UserFactory()
        InteractionFactory(user=user, movie=catalog["matrix"], type="liked")
        InteractionFactory(user=user, movie=catalog["inception"], type="liked")
        InteractionFactory(user=user, movie=catalog["heat"], type="liked")

        results = client_for(user).get(URL, {"limit": 10}).json()["results"]
        directors = [catalog_director(catalog, m["tmdb_id"]) for m in results]

        assert all(directors.count(d) <= 2 for d in set(directors) if d)

    def test_cached_until_the_taste_changes(self, catalog):
        user = UserFactory()
        client = client_for(user)
        first = ids(client.get(URL, {"limit": 100}))
        FavoriteFactory(user=user, movie=catalog["interstellar"])  # written without bumping: still cached

        assert ids(client.get(URL, {"limit": 100})) == first

        bump_taste(user)  # the users service bumps on every favorite/interaction/preference write
        assert 157336 not in ids(client.get(URL, {"limit": 100}))

    def test_a_new_dislike_invalidates_the_cache(self, catalog):
        user = UserFactory()
        client = client_for(user)
        assert 27205 in ids(client.get(URL, {"limit": 100}))
        InteractionFactory(user=user, movie=catalog["inception"], type="disliked")
        bump_taste(user)

        assert 27205 not in ids(client.get(URL, {"limit": 100}))

    def test_each_list_served_is_logged(self, catalog):
        user = UserFactory()
        served = ids(client_for(user).get(URL, {"limit": 4}))

        log = RecommendationLog.objects.get()
        assert (log.user, log.kind, log.movie_ids, log.source) == (user, "personalized", served, "engine")

    def test_cached_request_query_count(self, catalog, django_assert_max_num_queries):
        user = UserFactory()
        InteractionFactory(user=user, movie=catalog["heat"], type="liked")
        client = client_for(user)
        client.get(URL)

        # user (JWT), the caller's state of the ranked list, the page's movies, their genres, the log insert
        with django_assert_max_num_queries(5):
            assert client.get(URL).status_code == 200

    def test_cold_request_query_count(self, catalog, django_assert_max_num_queries):
        user = UserFactory()
        InteractionFactory(user=user, movie=catalog["heat"], type="liked")
        client_for(UserFactory()).get(URL)  # index built
        client = client_for(user)

        # user, favorites, interactions, preferences, the user's movies' index rows, the best priors, the other
        # candidates' rows, the lists of those the ranking can serve, the caller's state of the list, movies,
        # genres, log
        with django_assert_max_num_queries(12):
            assert client.get(URL).status_code == 200


def catalog_director(catalog, tmdb_id):
    return next(m.director for m in catalog.values() if m.tmdb_id == tmdb_id)
