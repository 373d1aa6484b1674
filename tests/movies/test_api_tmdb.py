"""The movie endpoints with TMDb configured: read-through caching, stale-if-error, 503, breaker, fetch-through."""

from __future__ import annotations

import threading

import pytest

from movie_backend import usage
from movies import cache as movie_cache
from movies.models import Movie, MovieListEntry
from movies.tmdb import TmdbClient, default_breaker
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [m["tmdb_id"] for m in response.json()["results"]]


def _delta(before: dict, event: str) -> int:
    return usage.counters_for().get(event, 0) - before.get(event, 0)


def _expire_everything(settings) -> None:
    """Make every cached entry past its TTL (but within the stale limit)."""
    settings.CACHE_TTL_LISTS = 0
    settings.CACHE_TTL_DETAILS = 0
    settings.CACHE_TTL_SEARCH = 0


def test_trending_comes_from_tmdb_in_its_order_and_is_mirrored(api_client, tmdb):
    tmdb.set_list("trending_week", [30, 10, 20])

    response = api_client.get("/api/movies/trending/?window=week")

    assert _ids(response) == [30, 10, 20]
    assert response.json()["count"] == 3
    assert "X-Cache-Stale" not in response
    assert Movie.objects.filter(tmdb_id__in=[10, 20, 30]).count() == 3


def test_a_cache_hit_makes_no_upstream_call_and_is_counted(api_client, auth_client, tmdb):
    tmdb.set_list("trending_day", [1, 2])
    before = usage.counters_for()

    first = api_client.get("/api/movies/trending/")
    second = api_client.get("/api/movies/trending/")  # the anonymous answer as sent, kept by the HTTP tier
    signed_in = auth_client.get("/api/movies/trending/")  # past the HTTP tier: TMDb's page, cached

    assert _ids(first) == _ids(second) == _ids(signed_in) == [1, 2]
    assert len(tmdb.calls("/trending")) == 1
    assert _delta(before, "tmdb.request.trending_day.ok") == 1
    assert _delta(before, "cache.miss.trending") == 1
    assert _delta(before, "cache.hit.http") == 1
    assert _delta(before, "cache.hit.trending") == 1


def test_pages_past_tmdbs_first_page_fetch_only_the_pages_needed(api_client, tmdb):
    tmdb.set_list("trending_day", list(range(1, 101)))

    body = api_client.get("/api/movies/trending/?limit=30&page=2").json()

    assert [m["tmdb_id"] for m in body["results"]] == list(range(31, 61))
    assert body["count"] == 100
    assert sorted(int(c.query["page"]) for c in tmdb.calls("/trending")) == [1, 2, 3]


def test_stale_if_error_serves_the_last_good_answer_and_says_so(api_client, tmdb, settings):
    tmdb.set_list("trending_day", [5, 6])
    fresh = api_client.get("/api/movies/trending/")
    _expire_everything(settings)
    tmdb.fail("/trending", status=503)
    before = usage.counters_for()

    stale = api_client.get("/api/movies/trending/")

    assert _ids(stale) == _ids(fresh) == [5, 6]
    assert stale["X-Cache-Stale"] == "1" and "110" in stale["Warning"]
    assert _delta(before, "cache.stale_served") >= 1


def test_nothing_is_served_staler_than_the_limit(api_client, tmdb, settings):
    tmdb.set_list("trending_day", [5])
    api_client.get("/api/movies/trending/")
    _expire_everything(settings)
    settings.CACHE_STALE_MAX_AGE = 0
    tmdb.fail("/trending", status=503)

    response = api_client.get("/api/movies/trending/")

    assert response.status_code == 503


def test_tmdb_down_with_nothing_cached_is_a_fast_503_with_retry_after(api_client, tmdb):
    tmdb.fail("/trending", status=503)

    response = api_client.get("/api/movies/trending/")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["code"] == "upstream_unavailable"
    assert int(response["Retry-After"]) >= 1
    assert len(tmdb.calls("/trending")) == 2  # one brief retry, no more

    # Within the failure memory, the next caller fails fast without calling TMDb again.
    assert api_client.get("/api/movies/trending/").status_code == 503
    assert len(tmdb.calls("/trending")) == 2


def test_tmdb_down_falls_back_to_the_synced_trending_list(api_client, tmdb):
    MovieListEntry.objects.create(
        category="trending_day", movie=MovieFactory(tmdb_id=77), rank=1, synced_at="2026-01-01T00:00Z"
    )
    tmdb.fail("/trending", status=503)

    response = api_client.get("/api/movies/trending/")

    assert _ids(response) == [77]
    assert response["X-Cache-Stale"] == "1"


def test_an_open_breaker_answers_from_the_cache_without_calling_tmdb(api_client, tmdb, settings):
    tmdb.set_list("trending_day", [8])
    api_client.get("/api/movies/trending/")
    _expire_everything(settings)
    breaker = default_breaker()
    for _ in range(breaker.threshold):
        breaker.record_failure()
    calls = len(tmdb.calls())

    response = api_client.get("/api/movies/trending/")

    assert _ids(response) == [8] and response["X-Cache-Stale"] == "1"
    assert len(tmdb.calls()) == calls


def test_repeated_failures_open_the_breaker_for_every_endpoint(api_client, tmdb, settings):
    settings.TMDB_BREAKER_THRESHOLD = 2
    tmdb.fail("/", status=500)

    assert api_client.get("/api/movies/trending/").status_code == 503
    calls = len(tmdb.calls())

    assert api_client.get("/api/movies/4242/").status_code == 503
    assert api_client.get("/api/movies/4242/recommendations/").status_code == 503
    assert len(tmdb.calls()) == calls


def test_stampede_many_concurrent_misses_make_one_upstream_call(tmdb):
    tmdb.set_list("trending_day", [1, 2, 3])
    tmdb.delay = 0.3
    client = TmdbClient.for_request()
    key = movie_cache.make_key("trending", "stampede", 1)
    results, errors = [], []

    def read():
        try:
            result = movie_cache.read_through(
                key, lambda: [m["id"] for m in client.trending()["results"]], family="trending", ttl=60
            )
            results.append(result.value)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert results == [[1, 2, 3]] * 12
    assert len(tmdb.calls("/trending")) == 1


def test_search_uses_tmdb_and_mirrors_what_it_finds(api_client, tmdb):
    tmdb.add_movies([1, 2])
    tmdb.add_movies([3], title="Alien", popularity=50.0)
    tmdb.add_movies([4], title="Aliens", popularity=80.0, release_date="1986-07-18")

    response = api_client.get("/api/movies/search/?q=alien")

    assert _ids(response) == [4, 3]
    assert response["X-Search-Source"] == "tmdb"
    assert _ids(api_client.get("/api/movies/search/?q=alien&year=1986")) == [4]
    assert Movie.objects.filter(tmdb_id__in=[3, 4]).count() == 2
    api_client.get("/api/movies/search/?q=alien")
    assert len(tmdb.calls("/search")) == 2  # the repeat was a cache hit


def test_search_falls_back_to_the_mirror_when_tmdb_is_down(api_client, tmdb):
    MovieFactory(tmdb_id=9, title="Alien Covenant")
    tmdb.fail("/search", status=503)

    response = api_client.get("/api/movies/search/?q=alien")

    assert _ids(response) == [9]
    assert response["X-Search-Source"] == "mirror"


def test_details_are_fetched_through_stored_and_then_served_from_the_mirror(api_client, tmdb):
    tmdb.add_movies([550], title="Fight Club")

    first = api_client.get("/api/movies/550/")
    second = api_client.get("/api/movies/550/")

    assert first.status_code == 200 and first.json()["director"] == "Director 550"
    assert second.json() == first.json()
    assert len(tmdb.calls("/movie/550")) == 1
    assert Movie.objects.get(tmdb_id=550).details_synced_at is not None


def test_stale_details_are_refreshed_and_served_stale_when_tmdb_fails(api_client, tmdb, settings):
    MovieFactory(tmdb_id=600, title="Mirrored copy")
    tmdb.fail("/movie/600", status=503)

    response = api_client.get("/api/movies/600/")

    assert response.status_code == 200 and response.json()["title"] == "Mirrored copy"
    assert response["X-Cache-Stale"] == "1"


def test_unknown_to_tmdb_is_a_404_envelope(api_client, tmdb):
    for path in ["/api/movies/31337/", "/api/movies/31337/recommendations/"]:
        response = api_client.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_details_of_an_unmirrored_movie_with_tmdb_down_is_a_503(api_client, tmdb):
    tmdb.fail("/movie", status=502)

    response = api_client.get("/api/movies/777/")

    assert response.status_code == 503 and "Retry-After" in response


def test_recommendations_are_tmdbs_own(api_client, tmdb):
    tmdb.add_movies([1, 2, 3])
    tmdb.recommendations[1] = [3, 2]

    assert _ids(api_client.get("/api/movies/1/recommendations/")) == [3, 2]


def test_adult_results_from_tmdb_are_hidden_from_anonymous_callers(api_client, tmdb):
    tmdb.add_movies([1])
    tmdb.add_movies([2], adult=True)
    tmdb.set_list("trending_day", [2, 1])

    assert _ids(api_client.get("/api/movies/trending/")) == [1]
    assert api_client.get("/api/movies/2/").status_code == 404


def test_movie_get_or_fetch_mirrors_an_unknown_movie(tmdb):
    from movies.services import MovieNotFound, movie_get_or_fetch

    tmdb.add_movies([42], title="The Answer")

    assert movie_get_or_fetch(tmdb_id=42).title == "The Answer"
    with pytest.raises(MovieNotFound):
        movie_get_or_fetch(tmdb_id=43)


def test_a_wrong_key_is_never_shown_to_the_client(api_client, fake_tmdb, settings):
    settings.TMDB_API_BASE_URL = fake_tmdb.base_url
    settings.TMDB_API_KEY = "leaky-secret-key"

    response = api_client.get("/api/movies/trending/")

    assert response.status_code == 503
    assert b"leaky-secret-key" not in response.content
