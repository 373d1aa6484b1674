"""Search over people and collections, and the combined `/api/search/`: case and accents ignored, exact then
prefix then the rest by popularity, each result with its `media_type`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from movies import graph
from movies.demo import demo_catalog_load
from movies.graph_selectors import people_search
from movies.models import Collection, Person
from tests.conftest import client_for
from tests.factories import MovieFactory, UserFactory
from tests.fakes import tmdb_graph

pytestmark = pytest.mark.django_db
needs_samples = pytest.mark.skipif(tmdb_graph.real_samples_dir() is None, reason="TMDb samples not found")


def _results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _names(response) -> list[str]:
    return [item.get("name") or item.get("title") for item in _results(response)]


def _person(tmdb_id: int, name: str, popularity: float = 1.0, **extra) -> dict:
    return {"id": tmdb_id, "name": name, "popularity": popularity, "known_for_department": "Acting", **extra}


def _people(*entries: dict) -> None:
    graph.people_upsert_from_tmdb(entries=entries, movie_pks=[])


# --- /api/people/search/ ---------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["zizek", "ZIZEK", "Žižek", "slavoj zizek"])
def test_people_search_ignores_case_and_accents(api_client, query):
    _people(_person(1, "Slavoj Žižek"), _person(2, "Slavoj Petrov"))

    assert _names(api_client.get("/api/people/search/", {"q": query})) == ["Slavoj Žižek"]


def test_people_rank_exact_then_prefix_then_the_rest_by_popularity(api_client):
    _people(
        _person(1, "Nolan North", popularity=5),
        _person(2, "Christopher Nolan", popularity=40),
        _person(3, "Nolan", popularity=1),
        _person(4, "Kenolani Smith", popularity=99),  # contains the letters, not a word starting with them
        _person(5, "Jonathan Nolan", popularity=20),
    )

    body = api_client.get("/api/people/search/?q=nolan").json()

    assert [p["name"] for p in body["results"]] == [
        "Nolan",  # the exact name
        "Christopher Nolan",  # a word of the name starts with the query: prefixes, by popularity
        "Jonathan Nolan",
        "Nolan North",
        "Kenolani Smith",  # the rest
    ]
    assert body["count"] == 5
    assert body["results"][1] == {
        "id": 2,
        "name": "Christopher Nolan",
        "profile_url": None,
        "known_for_department": "Acting",
        "popularity": 40.0,
    }


def test_people_search_pages_and_rejects_a_missing_query(api_client):
    _people(*(_person(i, f"Tom Example {i}", popularity=i) for i in range(1, 26)))

    first = api_client.get("/api/people/search/?q=tom example&limit=10").json()
    last = api_client.get("/api/people/search/?q=tom example&limit=10&page=3").json()

    assert first["count"] == 25 and len(first["results"]) == 10 and first["results"][0]["name"] == "Tom Example 25"
    assert [p["name"] for p in last["results"]] == [f"Tom Example {i}" for i in range(5, 0, -1)]
    for bad in ("", "?q=", "?q=%20%20"):
        response = api_client.get(f"/api/people/search/{bad}")
        assert response.status_code == 400 and "q" in response.json()["errors"], response.content


def test_adult_people_are_found_only_by_adults(api_client):
    _people(_person(1, "Jane Adult", adult=True), _person(2, "Jane Doe"))
    adult = client_for(UserFactory(date_of_birth="1980-01-01"))

    assert _names(api_client.get("/api/people/search/?q=jane")) == ["Jane Doe"]
    assert sorted(_names(adult.get("/api/people/search/?q=jane"))) == ["Jane Adult", "Jane Doe"]


def test_the_bundled_catalog_ranks_its_people_by_their_films(api_client):
    demo_catalog_load()

    kubricks = _results(api_client.get("/api/people/search/?q=kubrick"))
    nolans = _names(api_client.get("/api/people/search/?q=nolan&limit=2"))

    assert kubricks[0]["name"] == "Stanley Kubrick" and kubricks[0]["known_for_department"] == "Directing"
    assert kubricks[0]["id"] >= 2**52  # a person of our own
    assert kubricks[0]["popularity"] > max(p["popularity"] for p in kubricks[1:])
    assert nolans[0] == "Christopher Nolan"
    person = api_client.get(f"/api/people/{kubricks[0]['id']}/").json()
    assert {c["title"] for c in person["movie_credits"]["crew"]} >= {"The Shining", "Barry Lyndon"}


def test_a_sync_stores_searchable_names(api_client, tmdb):
    tmdb.add_movies([5], title="Amélie")
    tmdb.set_list("popular", [5])
    tmdb.set_appended(5, credits={"cast": [_person(17, "Audrey Tautou", order=0, character="Amélie")], "crew": []})
    call_command("sync_tmdb", "--lists", "popular", "--pages", "1", "--details", stdout=StringIO())

    assert Person.objects.get(tmdb_id=17).name_normalized == "audrey tautou"
    assert _names(api_client.get("/api/people/search/?q=TAUTOU")) == ["Audrey Tautou"]


# --- /api/search/ ----------------------------------------------------------------------------------


def test_search_answers_movies_people_and_collections_with_their_media_type(api_client):
    alien = Collection.objects.create(tmdb_id=8091, name="Alien Collection", poster_path="/c.jpg")
    MovieFactory(tmdb_id=348, title="Alien", popularity=40, collection=alien)
    MovieFactory(tmdb_id=679, title="Aliens", popularity=30, collection=alien)
    MovieFactory(tmdb_id=10, title="Cowboys & Aliens", popularity=90)
    _people(_person(1, "Alien Ant", popularity=3))

    results = _results(api_client.get("/api/search/?q=alien"))

    assert [(r["media_type"], r.get("title") or r["name"]) for r in results] == [
        ("movie", "Alien"),  # exact
        ("collection", "Alien Collection"),  # prefixes by popularity: the collection's is its best part's (40)
        ("movie", "Aliens"),
        ("person", "Alien Ant"),
        ("movie", "Cowboys & Aliens"),  # the rest: "alien" inside a word
    ]
    collection = results[1]
    assert collection == {
        "id": 8091,
        "name": "Alien Collection",
        "poster_url": "https://image.tmdb.org/t/p/w500/c.jpg",
        "backdrop_url": None,
        "media_type": "collection",
    }
    assert results[0]["tmdb_id"] == 348 and results[0]["genres"] == [] and "user_state" not in results[0]
    assert results[3]["id"] == 1 and results[3]["known_for_department"] == "Acting"


def test_search_finds_accented_names_of_every_kind(api_client):
    MovieFactory(title="Amélie", popularity=10)
    _people(_person(1, "Amélie Daure"))
    Collection.objects.create(tmdb_id=2, name="Amélie Poulain Collection")

    results = _results(api_client.get("/api/search/?q=AMELIE"))

    assert [r["media_type"] for r in results] == ["movie", "person", "collection"]


def test_search_pages_across_kinds_in_a_fixed_number_of_queries(api_client, django_assert_max_num_queries):
    for i in range(30):
        MovieFactory(title=f"Star Journey {i}", popularity=100 + i)
    _people(*(_person(i, f"Star Journey Fan {i}", popularity=i) for i in range(1, 31)))
    Collection.objects.create(tmdb_id=9, name="Star Journey Collection")

    with django_assert_max_num_queries(6):  # count, page, movies, their genres, people, collections
        first = api_client.get("/api/search/?q=star journey&limit=40").json()
    second = api_client.get("/api/search/?q=star journey&limit=40&page=2").json()

    assert first["count"] == 61
    kinds = [r["media_type"] for r in first["results"] + second["results"]]
    assert kinds.count("movie") == 30 and kinds.count("person") == 30 and kinds.count("collection") == 1
    keys = [(r["media_type"], r.get("tmdb_id") or r["id"]) for r in first["results"] + second["results"]]
    assert len(set(keys)) == 61  # no item twice, none lost between pages


def test_signed_in_callers_get_user_state_on_movies_only(user):
    MovieFactory(tmdb_id=348, title="Alien")
    _people(_person(1, "Alien Ant"))
    client = client_for(user)
    client.post("/api/users/me/favorites/", {"tmdb_id": 348}, format="json")

    movie, person = _results(client.get("/api/search/?q=alien"))

    assert movie["user_state"]["favorite"] is True
    assert "user_state" not in person


def test_search_is_http_cached_and_a_bad_query_is_a_400(api_client):
    MovieFactory(title="Alien")

    first = api_client.get("/api/search/?q=alien")
    again = api_client.get("/api/search/?q=alien", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first["Cache-Control"].startswith("public, max-age=") and again.status_code == 304
    response = api_client.get("/api/search/?q=" + "x" * 201)
    assert response.status_code == 400 and "q" in response.json()["errors"]


@needs_samples
def test_a_synced_collection_is_found_by_name(api_client, tmdb):
    tmdb.add_real_movie(603)
    tmdb.set_list("popular", [603])
    call_command("sync_tmdb", "--lists", "popular", "--pages", "1", "--details", stdout=StringIO())

    results = _results(api_client.get("/api/search/?q=the matrix"))

    assert (results[0]["media_type"], results[0]["title"]) == ("movie", "The Matrix")  # exact
    assert (results[1]["media_type"], results[1]["name"]) == ("collection", "The Matrix Collection")  # prefix


# --- Migration and indexes -------------------------------------------------------------------------


def test_the_migration_fills_names_and_ranks_people_of_an_existing_database(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate([("movies", "0006_movie_genres_genre_movie_idx")])
    apps = executor.loader.project_state([("movies", "0006_movie_genres_genre_movie_idx")]).apps
    Movie, Person_, Credit = (apps.get_model("movies", n) for n in ("Movie", "Person", "Credit"))
    film = Movie.objects.create(tmdb_id=694, title="The Shining", popularity=30)
    director = Person_.objects.create(local_id=2**52 + 1, name="Stanley Kubrick")
    Credit.objects.create(movie=film, person=director, kind="crew", job="Director", department="Directing")
    apps.get_model("movies", "Collection").objects.create(tmdb_id=1, name="Ōkami Collection")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    kubrick = Person.objects.get(local_id=2**52 + 1)
    assert (kubrick.name_normalized, kubrick.popularity, kubrick.known_for_department) == (
        "stanley kubrick",
        30.0,
        "Directing",
    )
    assert Collection.objects.get(tmdb_id=1).name_normalized == "okami collection"
    assert [p.name for p in people_search(user=None, query="KUBRICK")] == ["Stanley Kubrick"]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only")
@pytest.mark.parametrize(("query", "index"), [("kubrick", "person_name_norm_trgm"), ("st", "person_name_norm_idx")])
def test_on_postgresql_a_people_search_reads_an_index(query, index):
    _people(_person(1, "Stanley Kubrick"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")

        plan = people_search(user=None, query=query).explain()

    assert index in plan and "Seq Scan" not in plan
