"""Search of the mirror: case and accents ignored, exact then prefix then the rest, most popular first."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from movies.demo import demo_catalog_load
from movies.models import Movie
from movies.selectors import movie_search
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [m["title"] for m in response.json()["results"]]


@pytest.mark.parametrize("query", ["amelie", "AMELIE", "Amélie", "amélie", "  amelie  "])
def test_search_ignores_case_and_accents(api_client, query):
    MovieFactory(title="Amélie", popularity=5)
    MovieFactory(title="Amadeus", popularity=50)

    assert _titles(api_client.get("/api/movies/search/", {"q": query})) == ["Amélie"]


def test_an_exact_title_comes_first_then_prefixes_then_the_rest_by_popularity(api_client):
    MovieFactory(title="Cowboys & Aliens", popularity=90)
    MovieFactory(title="Aliens vs. Predator: Requiem", popularity=60)
    MovieFactory(title="Aliens", popularity=30, release_date=datetime.date(1986, 7, 18))
    MovieFactory(title="Aliens in the Attic", popularity=70)
    MovieFactory(title="Alien", popularity=99)  # does not contain "aliens"

    titles = _titles(api_client.get("/api/movies/search/?q=aliens"))

    assert titles == ["Aliens", "Aliens in the Attic", "Aliens vs. Predator: Requiem", "Cowboys & Aliens"]


def test_punctuation_and_apostrophes_do_not_get_in_the_way(api_client):
    MovieFactory(title="Spider-Man: No Way Home")
    MovieFactory(title="Schindler's List")

    assert _titles(api_client.get("/api/movies/search/?q=spider man")) == ["Spider-Man: No Way Home"]
    assert _titles(api_client.get("/api/movies/search/?q=SPIDER-MAN")) == ["Spider-Man: No Way Home"]
    assert _titles(api_client.get("/api/movies/search/?q=schindlers")) == ["Schindler's List"]
    assert _titles(api_client.get("/api/movies/search/?q=...")) == []


def test_the_original_title_is_searched_too(api_client):
    MovieFactory(title="Amélie", original_title="Le Fabuleux Destin d'Amélie Poulain")

    assert _titles(api_client.get("/api/movies/search/?q=fabuleux destin")) == ["Amélie"]


def test_a_query_of_short_words_matches_titles_starting_with_it(api_client):
    MovieFactory(title="Up", popularity=10)
    MovieFactory(title="Upgrade", popularity=80)
    MovieFactory(title="Pop Up", popularity=90)
    MovieFactory(title="Superman", popularity=95)

    assert _titles(api_client.get("/api/movies/search/?q=up")) == ["Up", "Upgrade"]


def test_aliens_puts_the_1986_film_first_in_the_bundled_catalog(api_client):
    demo_catalog_load()

    response = api_client.get("/api/movies/search/?q=aliens")
    first = response.json()["results"][0]

    assert first["title"] == "Aliens" and first["release_date"].startswith("1986")
    assert _titles(api_client.get("/api/movies/search/?q=amelie"))[0] == "Amélie"


def test_a_tmdb_sync_stores_searchable_titles_and_the_mirror_answers_when_tmdb_is_down(api_client, tmdb):
    tmdb.add_movies([5], title="Amélie", original_title="Le Fabuleux Destin d'Amélie Poulain")
    tmdb.set_list("popular", [5])
    call_command("sync_tmdb", "--lists", "popular", "--pages", "1", stdout=StringIO())
    tmdb.fail("/search", status=503)

    response = api_client.get("/api/movies/search/?q=AMELIE")

    assert response["X-Search-Source"] == "mirror"
    assert _titles(response) == ["Amélie"]
    assert _titles(api_client.get("/api/movies/search/?q=fabuleux")) == ["Amélie"]


def test_a_search_page_costs_a_fixed_number_of_queries(api_client, django_assert_max_num_queries):
    for i in range(60):
        MovieFactory(title=f"Star Journey {i}")

    with django_assert_max_num_queries(3):  # count, page, genres
        assert len(_titles(api_client.get("/api/movies/search/?q=star journey&limit=50"))) == 50


def test_the_migration_fills_the_search_titles_of_existing_rows(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate([("movies", "0002_tmdb_state")])
    old_apps = executor.loader.project_state([("movies", "0002_tmdb_state")]).apps
    old_apps.get_model("movies", "Movie").objects.create(tmdb_id=194, title="Amélie", original_title="")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Movie.objects.get(tmdb_id=194).title_normalized == "amelie"
    assert [m.tmdb_id for m in movie_search(user=None, query="AMÉLIE")] == [194]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only")
@pytest.mark.parametrize(("query", "index"), [("aliens", "movie_titles_norm_trgm"), ("up", "movie_title_norm_idx")])
def test_on_postgresql_a_search_reads_an_index_not_every_title(query, index):
    MovieFactory(title="Aliens")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned whatever the indexes

        plan = movie_search(user=None, query=query).explain()

    assert index in plan
    assert "Seq Scan" not in plan
