"""TMDb slow, rate limiting (429 + Retry-After) and answering garbage; the LLM down: as a client sees it.

tests/movies/ covers TMDb down (503s, stale-if-error, the breaker) and these faults at the client level;
tests/recommendations/test_nl_api.py covers LLM errors, bad answers and timeouts. These add the API-level
view of the rest: status, envelope, headers and how many calls went upstream.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import MovieFactory
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.django_db


def assert_unavailable(response, *, retry_after: int | None = None) -> None:
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["code"] == "upstream_unavailable" and body["errors"] == {}
    if retry_after is None:
        assert int(response["Retry-After"]) >= 1
    else:
        assert response["Retry-After"] == str(retry_after)


def test_tmdb_slower_than_the_read_timeout_is_a_503_and_the_next_caller_does_not_wait_again(tmdb, settings):
    settings.TMDB_READ_TIMEOUT = 0.2
    tmdb.delay = 1.0
    client = APIClient()

    assert_unavailable(client.get("/api/movies/trending/"))
    calls = len(tmdb.calls("/trending"))
    assert 1 <= calls <= 2  # at most one brief retry on the request path

    assert_unavailable(client.get("/api/movies/trending/"))
    assert len(tmdb.calls("/trending")) == calls  # failure remembered: no second slow call


def test_tmdb_slow_for_an_unmirrored_movie_is_a_503_and_a_mirrored_one_is_served(tmdb, settings):
    settings.TMDB_READ_TIMEOUT = 0.2
    tmdb.delay = 1.0
    MovieFactory(tmdb_id=550, title="Fight Club")

    assert_unavailable(APIClient().get("/api/movies/4242/"))
    served = APIClient().get("/api/movies/550/")
    assert served.status_code == 200 and served.json()["title"] == "Fight Club"


def test_tmdb_429_passes_its_retry_after_on_and_is_called_once(tmdb):
    tmdb.fail("/trending", status=429, body={"status_code": 25}, headers={"Retry-After": "120"})
    client = APIClient()

    assert_unavailable(client.get("/api/movies/trending/"), retry_after=120)
    assert len(tmdb.calls("/trending")) == 1  # too long to wait on a request path: no retry

    assert_unavailable(client.get("/api/movies/trending/"))
    assert len(tmdb.calls("/trending")) == 1


def test_tmdb_429_on_search_falls_back_to_the_mirror(tmdb):
    MovieFactory(title="Heat")
    tmdb.fail("/search", status=429, headers={"Retry-After": "60"})

    response = APIClient().get("/api/movies/search/", {"q": "heat"})

    assert response.status_code == 200
    assert [m["title"] for m in response.json()["results"]] == ["Heat"]


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Bad gateway</html>",
        b"",
        b"[1, 2, 3]",
        b'{"truncated": ',
        b'{"results": "not a list"}',
        b'{"total_results": 3}',
    ],
    ids=["html", "empty", "json-array", "truncated", "results-not-a-list", "no-results"],
)
def test_tmdb_garbage_is_a_503_envelope_never_a_500(tmdb, body):
    tmdb.fail("/trending", status=200, body=body)

    response = APIClient().get("/api/movies/trending/")

    assert_unavailable(response)
    assert 1 <= len(tmdb.calls("/trending")) <= 2


def test_tmdb_garbage_in_a_list_item_or_its_total_is_skipped_not_a_crash(tmdb):
    tmdb.fail(
        "/trending",
        status=200,
        body={"results": [{"id": 5, "title": "Five"}, "junk", {"id": "x"}, None], "total_results": "many"},
    )

    response = APIClient().get("/api/movies/trending/")

    assert response.status_code == 200
    assert [m["tmdb_id"] for m in response.json()["results"]] == [5]
    assert response.json()["count"] == 1


@pytest.mark.parametrize("body", [b"<html>oops</html>", b'{"id": "x"}'], ids=["html", "wrong-shape"])
def test_tmdb_garbage_for_movie_details_is_a_503_envelope_never_a_500(tmdb, body):
    tmdb.fail("/movie/4242", status=200, body=body)

    assert_unavailable(APIClient().get("/api/movies/4242/"))


@pytest.mark.parametrize("body", [b"<html>oops</html>", b'{"id": "x"}', b'{"id": 5}'], ids=["html", "no-id", "no-name"])
@pytest.mark.parametrize("path", ["/person/5", "/collection/5"])
def test_tmdb_garbage_for_a_person_or_collection_is_a_503_envelope_never_a_500(tmdb, body, path):
    tmdb.fail(path, status=200, body=body)

    assert_unavailable(APIClient().get(f"/api/{'people' if 'person' in path else 'collections'}/5/"))


def test_llm_down_falls_back_to_the_local_engine_and_says_so(catalog, settings):
    settings.OPENAI_API_KEY = "test-key"
    settings.OPENAI_BASE_URL = "http://127.0.0.1:1/v1"  # nothing listens: connection refused
    settings.OPENAI_MODEL = "fake-model"
    settings.OPENAI_TIMEOUT = 2

    response = APIClient().post("/api/recommend/", {"query": "space adventure", "limit": 3}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["source"] == "fallback" and body["fallback_reason"]
    assert len(body["results"]) == 3


def test_llm_slow_past_its_timeout_falls_back_and_the_next_question_is_answered(catalog, settings):
    from tests.fakes.openai_server import Reply

    with FakeOpenAI() as fake:
        settings.OPENAI_API_KEY = "test-key"
        settings.OPENAI_BASE_URL = fake.base_url
        settings.OPENAI_MODEL = "fake-model"
        settings.OPENAI_TIMEOUT = 1
        fake.reply_with(lambda body: Reply(delay=5, body={}))
        client = APIClient()

        slow = client.post("/api/recommend/", {"query": "space adventure", "limit": 3}, format="json")
        assert slow.status_code == 200 and slow.json()["source"] == "fallback"

        # Another question while it is still slow: answered too, never an error.
        again = client.post("/api/recommend/", {"query": "romantic comedy", "limit": 2}, format="json")
        assert again.status_code == 200 and len(again.json()["results"]) == 2
