"""Prompt nl-v2: a fake model that "knows" films names them; only the real, catalogued ones reach the answer."""

from __future__ import annotations

import datetime
import time

import pytest

from movie_backend import usage
from movies.models import Movie
from recommendations import grounding, llm
from tests.conftest import client_for
from tests.factories import FavoriteFactory, InteractionFactory, MovieFactory, UserFactory
from tests.fakes.openai_server import FakeOpenAI, candidate_ids
from tests.recommendations.test_nl_local import build_catalog

URL = "/api/recommend/"
QUERY = "something like Amélie but darker"
# What the fake model "knows": (title, year, imdb id). Real ones are in build_catalog's catalog.
REAL = [
    ("La Haine", 1995, None),
    ("Oldboy", 2004, None),
    ("se7en", 1995, None),
    ("Gisaengchung", None, "tt6751668"),
    ("Toy Story", 1995, None),  # a family film: "darker" keeps it out of our candidates
]
# Oldboy is 2003 here: a year within one is the same film.
REAL_TITLES = {"La Haine", "Oldboy", "Se7en", "Parasite", "Toy Story"}
INVENTED = [("Delicatessen", 1991, None), ("The City of Lost Children", 1995, None), ("Midnight Catacombs", 2007, None)]
WRONG_YEAR = [("Notting Hill", 2006, None)]  # 1999 in the catalog: seven years off is another film
AMBIGUOUS = [("Solaris", None, None)]  # two Solaris in the catalog and no year


def suggestion(title, year, imdb_id):
    return {"title": title, "year": year, "imdb_id": imdb_id, "reason": f"Known: {title}."}


def knowing_model(named, *, picks: int = 2):
    """Answers the schema the request asks for: a few candidates (none of the named titles) and `named`."""

    def answer(body):
        schema = body["response_format"]["json_schema"]["schema"]
        avoid = {t.casefold() for t, _, _ in named} | {"notting hill", "parasite"}
        chosen = [(i, t) for i, t in candidate_ids(body) if t.casefold() not in avoid][:picks]
        content = {"recommendations": [{"tmdb_id": i, "title": t, "reason": "From the list."} for i, t in chosen]}
        if "suggestions" in schema["properties"]:
            content["suggestions"] = [suggestion(*n) for n in named]
        return FakeOpenAI.completion(content)

    return answer


@pytest.fixture
def fake_llm(settings):
    with FakeOpenAI() as fake:
        settings.OPENAI_API_KEY = "test-key"
        settings.OPENAI_BASE_URL = fake.base_url
        settings.OPENAI_MODEL = "fake-model"
        settings.OPENAI_TIMEOUT = 5
        yield fake


@pytest.fixture
def catalog(db):
    movies = build_catalog()
    Movie.objects.filter(title="Parasite").update(imdb_id="tt6751668")
    for year in (1972, 2002):
        MovieFactory(title="Solaris", release_date=datetime.date(year, 5, 1), popularity=1, vote_average=7)
    return movies


def post(client, query=QUERY, limit=10):
    return client.post(URL, {"query": query, "limit": limit}, format="json")


def by_title(body) -> dict[str, dict]:
    return {r["title"]: r for r in body["results"]}


def test_real_named_films_are_answered_and_invented_ones_never(api_client, catalog, fake_llm):
    fake_llm.reply_with(knowing_model(REAL + INVENTED + WRONG_YEAR + AMBIGUOUS))

    body = post(api_client).json()

    assert body["source"] == "llm" and body["prompt_version"] == "nl-v2"
    results = by_title(body)
    candidates = {t for _, t in candidate_ids(fake_llm.requests[0])}
    assert set(results) >= REAL_TITLES
    for title in REAL_TITLES:
        assert results[title]["grounding"] == ("candidate" if title in candidates else "suggested")
        assert results[title]["reason"].startswith("Known: ")
    assert "Toy Story" not in candidates and results["Toy Story"]["grounding"] == "suggested"
    assert not {"Delicatessen", "The City of Lost Children", "Midnight Catacombs", "Notting Hill", "Solaris"} & set(
        results
    )
    picked = [r for r in body["results"] if r["reason"] == "From the list."]
    assert len(picked) == 2 and all(r["grounding"] == "candidate" for r in picked)
    assert set(results) <= set(Movie.objects.values_list("title", flat=True))
    counters = usage.counters_for()
    assert counters["llm.suggestion.resolved"] == 5
    assert counters["llm.suggestion.invented"] == 4  # three unknown titles, one year beyond one
    assert counters["llm.suggestion.ambiguous"] == 1


def test_the_request_asks_for_named_films_in_the_strict_schema(api_client, catalog, fake_llm):
    fake_llm.reply_with(knowing_model(REAL))
    post(api_client)

    sent = fake_llm.requests[0]
    schema = sent["response_format"]["json_schema"]
    assert schema["strict"] is True and schema["schema"]["required"] == ["recommendations", "suggestions"]
    assert schema["schema"]["properties"]["suggestions"]["items"]["required"] == ["title", "year", "imdb_id", "reason"]
    assert "name up to 10 other films" in sent["messages"][1]["content"]


def test_only_invented_films_fall_back_to_the_local_ranking(api_client, catalog, fake_llm):
    fake_llm.reply_with(knowing_model(INVENTED + WRONG_YEAR, picks=0))

    body = post(api_client).json()

    assert (body["source"], body["fallback_reason"]) == ("fallback", "no_valid_ids")
    assert body["results"] and all(r["grounding"] == "candidate" for r in body["results"])
    assert usage.counters_for()["llm.suggestion.invented"] == 4


def test_named_films_alone_answer_when_no_candidate_is_picked(api_client, catalog, fake_llm):
    fake_llm.reply_with(knowing_model(REAL[:2] + INVENTED, picks=0))

    body = post(api_client).json()

    assert body["source"] == "llm"
    assert [r["title"] for r in body["results"]] == ["La Haine", "Oldboy"]


def test_a_signed_in_callers_seen_and_not_interested_films_are_never_answered(catalog, fake_llm):
    user = UserFactory()
    FavoriteFactory(user=user, movie=Movie.objects.get(title="La Haine"))
    InteractionFactory(user=user, movie=Movie.objects.get(title="Oldboy"), type="watched")
    InteractionFactory(user=user, movie=Movie.objects.get(title="Se7en"), type="not_interested")
    fake_llm.reply_with(knowing_model(REAL))

    body = post(client_for(user)).json()

    assert body["source"] == "llm"
    assert not {"La Haine", "Oldboy", "Se7en"} & set(by_title(body))
    assert by_title(body)["Toy Story"]["grounding"] == "suggested"
    assert usage.counters_for()["llm.suggestion.excluded"] == 3


def test_anonymous_callers_never_get_an_adult_title_by_name(api_client, catalog, fake_llm):
    fake_llm.reply_with(knowing_model([("Private Matters After Dark", 2015, None)]))
    body = post(api_client).json()
    assert "Private Matters After Dark" not in by_title(body)


def test_a_film_not_mirrored_is_found_through_tmdb_and_stored(api_client, catalog, fake_llm, tmdb):
    tmdb.add_movies([8587], title="Delicatessen", original_title="Delicatessen", release_date="1991-04-17")
    tmdb.add_movies([9000], title="Delicatessen Two", original_title="Delicatessen Two", release_date="1991-01-01")
    fake_llm.reply_with(knowing_model([("Delicatessen", 1991, None), ("Midnight Catacombs", 2007, None)]))

    body = post(api_client).json()

    assert by_title(body)["Delicatessen"]["grounding"] == "suggested"
    assert by_title(body)["Delicatessen"]["tmdb_id"] == 8587
    assert Movie.objects.filter(tmdb_id=8587).exists() and not Movie.objects.filter(tmdb_id=9000).exists()
    assert [r.path for r in tmdb.requests].count("/search/movie") == 2
    assert "Midnight Catacombs" not in by_title(body)


def test_tmdb_lookups_are_bounded_per_answer(api_client, catalog, fake_llm, tmdb):
    fake_llm.reply_with(knowing_model([(f"Unknown Film {i}", 2000, None) for i in range(15)]))
    post(api_client)
    assert [r.path for r in tmdb.requests].count("/search/movie") == 3


def test_at_most_twenty_named_films_are_read_whatever_the_model_writes(api_client, catalog, fake_llm):
    fake_llm.reply_with(knowing_model([(f"Unknown Film {i}", 2000, None) for i in range(200)]))
    body = post(api_client).json()
    assert body["source"] == "llm"
    assert usage.counters_for()["llm.suggestion.invented"] == 20


def test_nl_v1_stays_selectable_and_asks_for_no_named_films(api_client, catalog, fake_llm, settings):
    settings.NL_PROMPT_VERSION = "nl-v1"
    fake_llm.reply_with(knowing_model(REAL))

    body = post(api_client).json()

    assert body["prompt_version"] == "nl-v1"
    assert "suggestions" not in fake_llm.requests[0]["response_format"]["json_schema"]["schema"]["properties"]
    assert all(r["grounding"] == "candidate" for r in body["results"])


def test_a_cached_answer_keeps_its_grounding(api_client, catalog, fake_llm):
    fake_llm.reply_with(knowing_model(REAL))
    first = post(api_client).json()
    second = post(api_client).json()
    assert second["cached"] is True and len(fake_llm.requests) == 1
    assert [(r["tmdb_id"], r["grounding"]) for r in second["results"]] == [
        (r["tmdb_id"], r["grounding"]) for r in first["results"]
    ]


def test_a_slow_model_still_answers_within_the_deadline_from_the_local_ranking(api_client, catalog, fake_llm, settings):
    settings.OPENAI_TIMEOUT = 0.6

    def slow(body):
        reply = knowing_model(REAL)(body)
        reply.delay = 3
        return reply

    fake_llm.reply_with(slow)
    body = post(api_client).json()
    assert (body["source"], body["fallback_reason"]) == ("fallback", "timeout")


def test_a_slow_tmdb_search_stops_at_the_shared_deadline_and_the_picks_still_answer(
    api_client, catalog, fake_llm, tmdb, settings
):
    settings.OPENAI_TIMEOUT = 1.5
    tmdb.delay = 5
    before = Movie.objects.count()
    fake_llm.reply_with(knowing_model([(f"Unknown Film {i}", 2000, None) for i in range(3)] + REAL[:1]))

    body = post(api_client).json()

    assert body["source"] == "llm"
    assert "La Haine" in by_title(body) and len(body["results"]) == 3
    assert Movie.objects.count() == before
    assert [r.path for r in tmdb.requests].count("/search/movie") < 3  # no search starts once time is up


def test_resolving_twenty_names_costs_a_fixed_handful_of_queries(catalog, django_assert_max_num_queries):
    user = UserFactory()
    names = [llm.LlmSuggestion(title=t, year=y, imdb_id=i or "", reason="") for t, y, i in REAL + INVENTED]
    names += [llm.LlmSuggestion(title=f"Unknown {n}", year=2000, imdb_id=f"tt{n:07d}", reason="") for n in range(20)]
    with django_assert_max_num_queries(4):  # titles, IMDb ids, seen or hidden, favorites
        outcome = grounding.ground_suggestions(suggestions=names, user=user, deadline=time.monotonic() + 5)
    assert [g.movie.title for g in outcome.kept] == ["La Haine", "Oldboy", "Se7en", "Parasite", "Toy Story"]
    assert sum(outcome.counts.values()) == llm.MAX_SUGGESTIONS_READ
