"""Which later actions count as outcomes of a served list, and where they are credited."""

from __future__ import annotations

import datetime

import pytest

from recommendations.analytics import Impression, Outcome, attribute, experiment_results
from tests.analytics.conftest import NOW, at, favorite, impression, interaction, make_experiment
from tests.factories import MovieFactory, UserFactory

WEEK = datetime.timedelta(days=7)


def test_outcome_inside_the_window_is_credited_at_its_position():
    imp = Impression(1, 10, at(days=3), [100, 200, 300])

    credits = attribute([imp], [Outcome(10, 300, at(days=1))], window=WEEK)

    assert [(t, pos) for t, pos, _s in credits[1].items] == [(300, 3)]
    assert credits[1].items[0][2] == pytest.approx(2 * 86400)


def test_outcome_after_the_window_or_before_the_impression_does_not_count():
    imp = Impression(1, 10, at(days=10), [100])

    assert attribute([imp], [Outcome(10, 100, at(days=2))], window=WEEK) == {}  # 8 days later
    assert attribute([imp], [Outcome(10, 100, at(days=11))], window=WEEK) == {}  # before it was shown


def test_another_users_action_does_not_count():
    imp = Impression(1, 10, at(days=1), [100])

    assert attribute([imp], [Outcome(11, 100, at(hours=1))], window=WEEK) == {}


def test_an_unserved_movie_does_not_count():
    assert attribute([Impression(1, 10, at(days=1), [100])], [Outcome(10, 999, at(hours=1))], window=WEEK) == {}


def test_the_latest_impression_before_the_outcome_takes_the_credit():
    older = Impression(1, 10, at(days=5), [100, 200])
    newer = Impression(2, 10, at(days=2), [200, 100])
    after = Impression(3, 10, at(hours=1), [100])

    credits = attribute([older, newer, after], [Outcome(10, 100, at(days=1))], window=WEEK)

    assert list(credits) == [2]
    assert credits[2].items[0][:2] == (100, 2)


def test_anonymous_impressions_never_convert():
    assert attribute([Impression(1, None, at(days=1), [100])], [Outcome(10, 100, at(hours=1))], window=WEEK) == {}


@pytest.mark.django_db
class TestOutcomesFromTheDatabase:
    """Favorites, likes, watchlist, watched and ratings >= 4 count; dislikes and low ratings do not."""

    def test_which_actions_are_outcomes(self):
        experiment = make_experiment()
        movies = [MovieFactory() for _ in range(7)]
        users = [UserFactory() for _ in range(7)]
        actions = [
            lambda u, m: favorite(u, m, when=at(days=1)),
            lambda u, m: interaction(u, m, "liked", when=at(days=1)),
            lambda u, m: interaction(u, m, "watchlist", when=at(days=1)),
            lambda u, m: interaction(u, m, "watched", when=at(days=1)),
            lambda u, m: interaction(u, m, "rated", rating=4, when=at(days=1)),
            lambda u, m: interaction(u, m, "rated", rating=3.5, when=at(days=1)),
            lambda u, m: interaction(u, m, "disliked", when=at(days=1)),
        ]
        for user, movie, action in zip(users, movies, actions, strict=True):
            impression(user, [movie.tmdb_id], when=at(days=2), experiment=experiment, variant="control")
            action(user, movie)

        control = experiment_results(experiment=experiment)["variants"][0]

        assert (control["users"], control["converted_users"]) == (7, 5)

    def test_window_boundaries_and_other_users(self, settings):
        settings.EXPERIMENTS_ATTRIBUTION_DAYS = 7
        experiment = make_experiment()
        inside, outside, someone = UserFactory(), UserFactory(), UserFactory()
        movie = MovieFactory()
        impression(inside, [movie.tmdb_id], when=at(days=6), experiment=experiment, variant="treatment")
        favorite(inside, movie, when=NOW)
        impression(outside, [movie.tmdb_id], when=at(days=9), experiment=experiment, variant="treatment")
        favorite(outside, movie, when=NOW)
        impression(someone, [MovieFactory().tmdb_id], when=at(days=1), experiment=experiment, variant="treatment")
        favorite(someone, movie, when=NOW)  # favorited a movie it was never shown

        treatment = experiment_results(experiment=experiment)["variants"][1]

        assert (treatment["users"], treatment["converted_users"], treatment["conversions"]) == (3, 1, 1)
