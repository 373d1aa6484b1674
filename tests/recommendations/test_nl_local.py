"""The local engine alone (no LLM configured) answers plain requests: a query set with expected properties.

The catalog is hand-made: real titles with their TMDb genres, years, directors and cast. Each query names a
property every result must have (or the first result, where only one or two movies can qualify).
"""

from __future__ import annotations

import datetime
import threading
from types import SimpleNamespace

import pytest

from movies.models import Genre, Movie
from recommendations import nl
from recommendations.evaluation import nl_set
from recommendations.models import RecommendationLog
from recommendations.nl import index as nl_index
from tests.factories import FavoriteFactory, InteractionFactory, MovieFactory, UserFactory

ADULT_TITLE = "Private Matters After Dark"
SF, DRAMA, ROMANCE = 878, 18, 10749


def build_catalog(extra: int = 0) -> dict[str, Movie]:
    """The query set's catalog (recommendations/evaluation/nl_queries.json), one adult title and `extra` filler
    dramas from 1960-2019; {title: movie}."""
    movies = nl_set.load_catalog()
    genres = {g.tmdb_id: g for g in Genre.objects.all()}
    movies[ADULT_TITLE] = MovieFactory(
        tmdb_id=999_999,
        title=ADULT_TITLE,
        release_date=datetime.date(2015, 1, 1),
        adult=True,
        popularity=500,
        vote_average=6.0,
        genres=[genres[DRAMA], genres[ROMANCE]],
    )
    filler = [
        Movie(
            tmdb_id=500_000 + i,
            title=f"Filler Drama {i}",
            release_date=datetime.date(1960 + i % 60, 1, 1),
            popularity=1 + (i % 20),
            vote_average=5 + (i % 4),
            vote_count=10 + i % 50,
            director=f"Director {i % 97}",
            cast=[f"Actor {i % 89}", f"Actress {i % 83}"],
        )
        for i in range(extra)
    ]
    if filler:
        created = Movie.objects.bulk_create(filler, batch_size=500)
        through = Movie.genres.through
        through.objects.bulk_create(
            [through(movie_id=m.pk, genre_id=genres[DRAMA].pk) for m in created], batch_size=1000
        )
    return movies


@pytest.fixture
def catalog(db, settings):
    settings.OPENAI_API_KEY = ""
    return build_catalog()


def genre_names(movie: Movie) -> set[str]:
    return {g.name for g in movie.genres.all()}


def ask(query: str, limit: int = 5, user=None) -> nl.NlAnswer:
    answer = nl.nl_recommend(query=query, limit=limit, user=user)
    assert answer.source == "fallback"
    assert answer.results, f"no results for {query!r}"
    return answer


def every(answer: nl.NlAnswer, predicate) -> list[str]:
    """Titles of results that break `predicate` (empty when all hold)."""
    return [r.movie.title for r in answer.results if not predicate(r.movie)]


def year(movie: Movie) -> int:
    return movie.release_date.year


QUERY_SET = nl_set.queries()


@pytest.mark.parametrize(
    "case",
    QUERY_SET,
    ids=[q.query for q in QUERY_SET],
)
def test_query_set_every_result_has_the_asked_property(catalog, case):
    answer = ask(case.query, case.limit)
    assert len(answer.results) == case.limit
    assert every(answer, lambda m: nl_set.holds(case.expect, nl_set.facts(m))) == []
    assert answer.fallback_reason == "not_configured"
    assert all(r.reason for r in answer.results)


def test_the_query_set_has_at_least_forty_requests():
    assert len(QUERY_SET) >= 40


def test_results_are_ordered_best_first_with_scores_in_unit_range(catalog):
    answer = ask("90s sci-fi", 7)
    scores = [r.score for r in answer.results]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == 1.0 and all(0 <= s <= 1 for s in scores)


def test_interpretation_says_what_was_understood(catalog):
    answer = ask("feel-good 90s sci-fi with Tom Hanks for kids, no horror")
    understood = answer.interpretation
    assert understood["genres"] == ["Science Fiction"]
    assert understood["moods"] == ["feel-good"]
    assert understood["people"] == ["Tom Hanks"]
    assert (understood["year_from"], understood["year_to"]) == (1990, 1999)
    assert understood["audience"] == "family"
    assert understood["exclude_genres"] == ["Horror"]


def test_a_query_matching_nothing_still_answers_from_popularity(catalog):
    answer = ask("xyzzy plugh qwerty", 5)
    assert len(answer.results) == 5
    assert answer.results[0].movie.title == "The Dark Knight"  # the most popular visible title


def test_reason_names_what_matched(catalog):
    answer = ask("Tom Hanks movies from the 90s", 3)
    assert "with Tom Hanks" in answer.results[0].reason.lower().replace("tom hanks", "Tom Hanks")
    assert "from 199" in answer.results[0].reason


def test_anonymous_callers_never_get_adult_titles(catalog):
    answer = ask("romantic drama after dark", 50)
    assert ADULT_TITLE not in [r.movie.title for r in answer.results]


def test_adult_users_may_get_adult_titles(catalog):
    adult = UserFactory(date_of_birth=datetime.date(1980, 1, 1))
    answer = ask("private matters after dark", 5, user=adult)
    assert answer.results[0].movie.title == ADULT_TITLE


def test_seen_titles_are_skipped_for_a_logged_in_caller(catalog):
    user = UserFactory()
    FavoriteFactory(user=user, movie=catalog["The Matrix"])
    InteractionFactory(user=user, movie=catalog["Jurassic Park"], type="watched")
    InteractionFactory(user=user, movie=catalog["Gattaca"], type="rated", rating="4.5")
    InteractionFactory(user=user, movie=catalog["Contact"], type="disliked")
    answer = ask("90s sci-fi", 10, user=user)
    titles = {r.movie.title for r in answer.results}
    assert not titles & {"The Matrix", "Jurassic Park", "Gattaca", "Contact"}
    assert "Terminator 2: Judgment Day" in titles


def test_profile_tilts_an_open_request_towards_liked_genres(catalog):
    user = UserFactory()
    for title in ("The Shining", "Halloween", "Get Out"):
        InteractionFactory(user=user, movie=catalog[title], type="liked")

    def horror_count(answer):
        return sum("Horror" in genre_names(r.movie) for r in answer.results)

    anonymous = ask("something from the 2010s", 6)
    personal = ask("something from the 2010s", 6, user=user)
    assert horror_count(personal) > horror_count(anonymous)
    assert "Hereditary" in [r.movie.title for r in personal.results]


def test_every_answer_is_logged(catalog):
    user = UserFactory()
    ask("90s sci-fi", 3, user=user)
    log = RecommendationLog.objects.get()
    assert log.kind == RecommendationLog.Kind.NATURAL_LANGUAGE
    assert (log.algorithm, log.source, log.query, log.prompt_version) == ("local", "fallback", "90s sci-fi", "nl-v2")
    assert log.user == user and len(log.movie_ids) == 3


def test_empty_catalog_answers_an_empty_list_without_error(db, settings):
    settings.OPENAI_API_KEY = ""
    answer = nl.nl_recommend(query="anything", limit=5)
    assert answer.results == [] and answer.fallback_reason == "no_candidates"


def test_candidate_set_is_bounded_and_comes_from_the_index_not_a_catalog_scan(
    db, settings, django_assert_max_num_queries
):
    settings.OPENAI_API_KEY = ""
    build_catalog(extra=400)
    nl.get_catalog_index()  # built once per catalog version
    with django_assert_max_num_queries(6):
        retrieval = nl.nl_retrieve(query="90s sci-fi", limit=10, user=None)
    assert len(retrieval.movies) == nl.candidate_count(10) == 30


def test_catalog_changes_are_seen_by_the_next_request(catalog):
    assert "Brand New Space Opera" not in [r.movie.title for r in ask("space opera", 3).results]
    MovieFactory(title="Brand New Space Opera", genres=[Genre.objects.get(tmdb_id=SF)], popularity=1)
    assert ask("space opera", 3).results[0].movie.title == "Brand New Space Opera"


def test_a_large_catalog_is_reindexed_in_the_background_while_the_previous_index_answers(monkeypatch):
    previous = SimpleNamespace(version="v1", size=50)
    monkeypatch.setattr(nl_index, "_index", previous)
    monkeypatch.setattr(nl_index, "SYNC_BUILD_MAX_ROWS", 10)
    release, builds = threading.Event(), []

    def build(*, version):
        builds.append(version)
        release.wait(5)
        return SimpleNamespace(version=version, size=60)

    monkeypatch.setattr(nl_index, "build_catalog_index", build)
    assert nl.get_catalog_index("v2") is previous
    assert nl.get_catalog_index("v2") is previous
    release.set()
    for thread in [t for t in threading.enumerate() if t.name == "nl-catalog-index"]:
        thread.join(5)
    assert nl.get_catalog_index("v2").version == "v2"
    assert builds == ["v2"]


def test_the_engine_taste_scores_lean_the_ranking_when_the_engine_offers_them(catalog, monkeypatch):
    from recommendations import services

    user = UserFactory()
    asked = []

    def taste(*, user, tmdb_ids):
        asked.append(len(tmdb_ids))
        return {tmdb_id: (1.0 if tmdb_id == catalog["Arrival"].tmdb_id else 0.0) for tmdb_id in tmdb_ids}

    monkeypatch.setattr(services, "user_taste_scores", taste, raising=False)
    assert ask("science fiction", 3, user=user).results[0].movie.title == "Arrival"
    assert ask("science fiction", 3).results[0].movie.title != "Arrival"
    assert asked and max(asked) <= nl.PROFILE_POOL


def test_a_failing_engine_falls_back_to_the_local_profile(catalog, monkeypatch):
    from recommendations import services

    def broken(**kwargs):
        raise RuntimeError("index not built")

    monkeypatch.setattr(services, "user_taste_scores", broken, raising=False)
    assert len(ask("science fiction", 3, user=UserFactory()).results) == 3


def test_a_last_name_alone_names_the_one_person_who_bears_it(catalog):
    assert ask("Kubrick", 1).interpretation["people"] == ["Stanley Kubrick"]
    assert ask("Hanks comedies", 2).interpretation["people"] == ["Tom Hanks"]
    # "Hill" is a title word (Notting Hill), not Jonah Hill.
    assert ask("Hill", 2).interpretation["people"] == []


def test_a_last_name_two_people_share_names_nobody(catalog):
    MovieFactory(title="Someone Else's Film", cast=["Fred Cameron"], genres=[Genre.objects.get(tmdb_id=DRAMA)])
    assert ask("Cameron", 2).interpretation["people"] == []


def test_audiences_and_themes_and_comparatives_are_understood(catalog):
    adults = ask("a comedy, not for kids", 3).interpretation
    assert adults["audience"] == "adults"
    assert ask("a thriller for grown-ups", 3).interpretation["audience"] == "adults"
    assert ask("a movie for kids", 3).interpretation["audience"] == "family"
    themed = ask("sci-fi with strong female leads", 3)
    assert themed.interpretation["keywords"][:1] == ["strong female leads"]
    assert "strong female leads" in themed.results[0].reason
    assert ask("something like Amélie but darker", 3).interpretation["moods"] == ["dark"]


def test_a_theme_the_catalog_has_no_keyword_for_stays_a_plain_word(catalog):
    understood = ask("a road trip", 3).interpretation
    assert "road trip" not in understood["keywords"] and "road" in understood["keywords"]
