"""`not_interested`: hidden from every recommendation list of that user, and no taste signal (not a dislike)."""

from __future__ import annotations

import pytest

from movies.models import Movie
from recommendations import selectors
from tests.conftest import client_for
from tests.factories import InteractionFactory, UserFactory
from tests.fakes.openai_server import FakeOpenAI, candidate_ids
from tests.recommendations.test_nl_local import build_catalog

pytestmark = pytest.mark.django_db

HEAT, COLLATERAL, MATRIX, RELOADED, INCEPTION = 949, 1538, 603, 604, 27205


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [m["tmdb_id"] for m in response.json()["results"]]


def minor():
    """A signed-in user who sees what an anonymous caller sees (no date of birth: no adult titles)."""
    return UserFactory(date_of_birth=None)


def not_interested(user, movie):
    return InteractionFactory(user=user, movie=movie, type="not_interested")


def test_it_is_recorded_like_any_interaction(catalog):
    user = UserFactory()
    client = client_for(user)

    response = client.post("/api/users/me/interactions/", {"tmdb_id": HEAT, "type": "not_interested"}, format="json")

    assert response.status_code == 201
    assert (response.json()["type"], response.json()["rating"]) == ("not_interested", None)
    listed = client.get("/api/users/me/interactions/", {"type": "not_interested"}).json()["results"]
    assert [(i["tmdb_id"], i["type"]) for i in listed] == [(HEAT, "not_interested")]


def test_a_rating_with_it_is_refused(catalog):
    response = client_for(UserFactory()).post(
        "/api/users/me/interactions/", {"tmdb_id": HEAT, "type": "not_interested", "rating": 4}, format="json"
    )

    assert response.status_code == 400
    assert "rating" in response.json()["errors"]


def test_similar_drops_the_movie_and_keeps_its_neighbours_in_order(api_client, catalog):
    user = minor()
    not_interested(user, catalog["reloaded"])

    everyone = api_client.get(f"/api/movies/{MATRIX}/similar/", {"limit": 100}).json()
    mine = client_for(user).get(f"/api/movies/{MATRIX}/similar/", {"limit": 100}).json()

    assert RELOADED in [m["tmdb_id"] for m in everyone["results"]]
    assert [m["tmdb_id"] for m in mine["results"]] == [
        m["tmdb_id"] for m in everyone["results"] if m["tmdb_id"] != RELOADED
    ]
    assert mine["count"] == everyone["count"] - 1


def test_similar_pages_stay_full_without_the_hidden_movie(catalog):
    user = minor()
    client = client_for(user)
    first = ids(client.get(f"/api/movies/{MATRIX}/similar/", {"limit": 3}))
    not_interested(user, Movie.objects.get(tmdb_id=first[0]))

    again = ids(client.get(f"/api/movies/{MATRIX}/similar/", {"limit": 3}))

    assert len(again) == 3 and first[0] not in again
    assert again[:2] == first[1:]


def test_genre_picks_leave_it_out(api_client, catalog):
    user = minor()
    not_interested(user, catalog["inception"])

    everyone = ids(api_client.get("/api/recommendations/genre/878/", {"limit": 100}))
    mine = ids(client_for(user).get("/api/recommendations/genre/878/", {"limit": 100}))

    assert INCEPTION in everyone
    assert mine == [t for t in everyone if t != INCEPTION]


def test_personalized_leaves_it_out_and_it_is_not_a_dislike(catalog):
    """Hiding Collateral removes it alone; disliking it also pushes down movies like it."""
    plain, hiding, disliking = minor(), minor(), minor()
    for user in (plain, hiding, disliking):
        InteractionFactory(user=user, movie=catalog["heat"], type="liked")
    not_interested(hiding, catalog["collateral"])
    InteractionFactory(user=disliking, movie=catalog["collateral"], type="disliked")

    def personalized(user):
        return ids(client_for(user).get("/api/users/me/recommendations/", {"limit": 100}))

    before = personalized(plain)
    without = [t for t in before if t != COLLATERAL]

    assert COLLATERAL in before
    assert personalized(hiding) == without
    assert personalized(disliking) != without


def test_marking_it_refreshes_a_cached_personalized_list(catalog):
    user = minor()
    InteractionFactory(user=user, movie=catalog["heat"], type="liked")
    client = client_for(user)
    assert COLLATERAL in ids(client.get("/api/users/me/recommendations/", {"limit": 100}))

    client.post("/api/users/me/interactions/", {"tmdb_id": COLLATERAL, "type": "not_interested"}, format="json")

    assert COLLATERAL not in ids(client.get("/api/users/me/recommendations/", {"limit": 100}))


def test_the_index_does_not_count_it_as_an_event(catalog):
    user = UserFactory()
    InteractionFactory(user=user, movie=catalog["heat"], type="liked")
    not_interested(user, catalog["collateral"])

    kinds = [kind for user_id, _movie, kind, _rating, _at in selectors.interaction_rows() if user_id == user.pk]

    assert kinds == ["liked"]


def test_catalog_lists_and_search_still_show_it_and_say_so(catalog):
    user = minor()
    not_interested(user, catalog["heat"])
    client = client_for(user)

    listed = {m["tmdb_id"]: m for m in client.get("/api/movies/", {"limit": 100}).json()["results"]}
    found = {m["tmdb_id"]: m for m in client.get("/api/movies/search/", {"q": "heat"}).json()["results"]}

    assert listed[HEAT]["user_state"]["not_interested"] is True
    assert found[HEAT]["user_state"]["not_interested"] is True


@pytest.fixture
def nl_catalog(db):
    return build_catalog()


def test_natural_language_fallback_leaves_it_out(api_client, nl_catalog):
    user = minor()
    not_interested(user, nl_catalog["The Matrix"])
    query = {"query": "90s sci-fi", "limit": 10}

    everyone = [r["tmdb_id"] for r in api_client.post("/api/recommend/", query, format="json").json()["results"]]
    body = client_for(user).post("/api/recommend/", query, format="json").json()

    assert body["source"] == "fallback"
    assert nl_catalog["The Matrix"].tmdb_id in everyone
    assert nl_catalog["The Matrix"].tmdb_id not in [r["tmdb_id"] for r in body["results"]]
    assert len(body["results"]) == 10


def test_natural_language_never_offers_it_to_the_llm_nor_serves_it(nl_catalog, settings):
    user = minor()
    hidden = nl_catalog["The Matrix"]
    not_interested(user, hidden)
    with FakeOpenAI() as fake:
        settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL, settings.OPENAI_MODEL = "test-key", fake.base_url, "m"
        picks = [{"tmdb_id": hidden.tmdb_id, "title": hidden.title, "reason": "asked for"}]
        fake.reply_with(
            lambda body: FakeOpenAI.completion(
                {
                    "recommendations": picks
                    + [{"tmdb_id": i, "title": t, "reason": "ok"} for i, t in candidate_ids(body)]
                }
            )
        )
        body = client_for(user).post("/api/recommend/", {"query": "90s sci-fi", "limit": 5}, format="json").json()

        assert hidden.tmdb_id not in [i for i, _ in candidate_ids(fake.requests[0])]
    assert body["source"] == "llm"
    assert hidden.tmdb_id not in [r["tmdb_id"] for r in body["results"]]
    assert len(body["results"]) == 5
