"""user_taste_scores and popular_fallback: what the natural-language recommender calls."""

from __future__ import annotations

import pytest

from recommendations.services import popular_fallback, user_taste_scores
from tests.factories import FavoriteFactory, InteractionFactory, UserFactory


@pytest.mark.django_db
class TestUserTasteScores:
    def test_leans_to_what_the_user_liked(self, catalog):
        user = UserFactory()
        InteractionFactory(user=user, movie=catalog["heat"], type="liked")

        scores = user_taste_scores(user=user, tmdb_ids=[1538, 509, 424242])

        assert scores[1538] == 1.0
        assert scores[509] < scores[1538]
        assert scores[424242] == 0.0  # not in the catalog

    def test_anonymous_scores_zero(self, catalog):
        from django.contrib.auth.models import AnonymousUser

        assert user_taste_scores(user=AnonymousUser(), tmdb_ids=[603, 604]) == {603: 0.0, 604: 0.0}


@pytest.mark.django_db
class TestPopularFallback:
    def test_popular_unseen_visible_with_score_and_reason(self, catalog):
        user = UserFactory(date_of_birth=None)
        FavoriteFactory(user=user, movie=catalog["inception"])

        movies = popular_fallback(user=user, limit=5)

        assert len(movies) == 5
        assert 27205 not in [m.tmdb_id for m in movies]
        assert 999001 not in [m.tmdb_id for m in movies]
        assert movies[0].tmdb_id == 157336  # Interstellar: most popular, best rated, unseen
        assert movies[0].reason == "popular and highly rated"
        assert movies == sorted(movies, key=lambda m: -m.score)

    def test_anonymous(self, catalog):
        from django.contrib.auth.models import AnonymousUser

        assert len(popular_fallback(user=AnonymousUser(), limit=50)) == len(catalog) - 1  # no adult title
