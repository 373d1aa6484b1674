"""Saved preferences steer a new user's list on the bundled demo catalog, and give way as the history grows."""

from __future__ import annotations

import pytest
from django.conf import settings

from movies.demo import demo_catalog_load
from movies.models import Genre, Movie
from recommendations import index_rows, selectors, services
from recommendations.engine import personalized
from recommendations.engine.text import name_key
from recommendations.models import RecommendationIndex
from recommendations.services import recommendation_index_build
from tests.conftest import client_for
from tests.factories import UserFactory

URL = "/api/users/me/recommendations/"
WESTERN = 37

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo_catalog(django_db_setup, django_db_blocker):
    """The bundled catalog (7,589 films) and its index, loaded once for this module and removed after it."""
    with django_db_blocker.unblock():
        demo_catalog_load()
        recommendation_index_build()
    yield
    with django_db_blocker.unblock():
        RecommendationIndex.objects.all().delete()
        Movie.objects.all().delete()
        Genre.objects.all().delete()


def new_user_with(**preferences):
    client = client_for(UserFactory())
    body = {"genres": [], "people": [], "movies": [], **preferences}
    response = client.put("/api/users/me/preferences/", body, format="json")
    assert response.status_code == 200, response.content
    return client


def top_ten(client) -> list[dict]:
    response = client.get(URL, {"limit": 10})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def on_preference(tmdb_ids, *, genres=(), people=()) -> list[int]:
    """The films with a saved genre or crediting a saved person (director or cast), in the order given."""
    keys = {name_key(p) for p in people}
    films = Movie.objects.filter(tmdb_id__in=tmdb_ids).prefetch_related("genres")
    hits = {
        m.tmdb_id
        for m in films
        if {g.tmdb_id for g in m.genres.all()} & set(genres)
        or ({name_key(n) for n in m.director.split(",")} | {name_key(c) for c in m.cast}) & keys
    }
    return [t for t in tmdb_ids if t in hits]


def test_a_saved_genre_fills_a_new_users_top_ten():
    results = top_ten(new_user_with(genres=[WESTERN]))

    westerns = [m for m in results if WESTERN in {g["id"] for g in m["genres"]}]
    assert len(westerns) >= 8
    assert {m["reason"] for m in westerns} == {"matches your taste for Western"}


def test_a_saved_director_fills_the_top_ten_past_the_two_films_per_director():
    results = top_ten(new_user_with(people=["Akira Kurosawa"]))

    reasons = [m["reason"] for m in results]
    assert reasons.count("directed by Akira Kurosawa, from your preferences") >= 8


def test_a_saved_name_ignores_case_and_accents():
    results = top_ten(new_user_with(people=["pedro almodovar"]))

    reasons = [m["reason"] for m in results]
    assert reasons.count("directed by Pedro Almodóvar, from your preferences") >= 8


@pytest.mark.parametrize("preferences", [{"genres": [WESTERN]}, {"people": ["Clint Eastwood"]}], ids=str)
def test_the_list_blends_towards_the_history_as_likes_come_in(preferences):
    client = new_user_with(**preferences)
    # What this user goes on to like: the most popular films outside the saved preferences.
    popular = list(
        Movie.objects.filter(adult=False).order_by("-popularity", "tmdb_id").values_list("tmdb_id", flat=True)[:60]
    )
    elsewhere = [t for t in popular if t not in on_preference(popular, **preferences)][:20]
    counts, liked = [], 0
    for likes in (0, 5, 20):
        for tmdb_id in elsewhere[liked:likes]:
            assert client.post("/api/users/me/interactions/", {"tmdb_id": tmdb_id, "type": "liked"}).status_code == 201
        liked = likes
        results = top_ten(client)
        counts.append(len(on_preference([m["tmdb_id"] for m in results], **preferences)))

    assert counts[0] >= 8 and counts[1] >= 8  # what the user said, while the history is short
    assert counts[2] < counts[0]  # the history has its say
    assert any(m["reason"].startswith("because you liked") for m in results)


@pytest.mark.parametrize(
    "preferences, likes",
    [({}, 12), ({"genres": [WESTERN]}, 3), ({"people": ["Clint Eastwood"]}, 0)],
    ids=["history", "genre", "person"],
)
def test_the_list_read_from_rows_is_the_one_the_whole_index_ranks(preferences, likes):
    """A request reads a few thousand rows, and the lists of only the rows it serves; the engine run on the
    whole catalog's index (what a worker holds) serves the same movies with the same scores."""
    user = UserFactory()
    client = client_for(user)
    body = {"genres": [], "people": [], "movies": [], **preferences}
    assert client.put("/api/users/me/preferences/", body, format="json").status_code == 200
    popular = Movie.objects.filter(adult=False).order_by("-popularity", "tmdb_id").values_list("tmdb_id", flat=True)
    for tmdb_id in popular[10 : 10 + likes]:
        assert client.post("/api/users/me/interactions/", {"tmdb_id": tmdb_id, "type": "liked"}).status_code == 201
    user.refresh_from_db()

    served = services.personalized_recommendations(user=user)

    whole = index_rows.whole_index(RecommendationIndex.objects.get(current=True))
    signals = selectors.user_taste_signals(user=user)
    profile, _labels = services._taste(whole, signals)
    ranked = personalized.rank(
        whole,
        profile,
        limit=settings.RECOMMENDATIONS_LIST_SIZE,
        blend=services.BLEND,
        allowed=services._allowed_by(whole, user, None),
    )
    assert [r.tmdb_id for r in served] == whole.tmdb_ids[ranked.rows].tolist()
    assert [r.score for r in served] == [round(float(s), 4) for s in ranked.scores]
