"""The bundled demo catalog: the committed data file, its loader and `manage.py load_demo_catalog`."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import json
import sqlite3
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from movies.demo import DEMO_CATALOG_PATH, DemoCatalogError, demo_catalog_load
from movies.models import Genre, Movie
from tests.factories import GenreFactory, MovieFactory

REPO = Path(__file__).resolve().parents[2]
TMDB_GENRE_IDS = {28, 12, 16, 35, 80, 99, 18, 10751, 14, 36, 27, 10402, 9648, 10749, 878, 10770, 53, 10752, 37}

pytestmark = pytest.mark.django_db


def _links() -> int:
    return Movie.genres.through.objects.count()


def test_committed_file_is_small_versioned_and_attributed():
    assert DEMO_CATALOG_PATH.stat().st_size < 5 * 1024 * 1024
    with gzip.open(DEMO_CATALOG_PATH, "rb") as handle:
        catalog = json.load(handle)
    assert catalog["version"] == 1
    assert "Wikidata contributors" in catalog["attribution"]
    assert {genre["id"] for genre in catalog["genres"]} == TMDB_GENRE_IDS
    tmdb_ids = [film["tmdb_id"] for film in catalog["movies"]]
    assert tmdb_ids == sorted(set(tmdb_ids)), "films are unique and in a deterministic order"


def test_loading_the_committed_file_gives_thousands_of_films_with_genres_director_and_cast():
    result = demo_catalog_load()

    assert result.created == result.total == Movie.objects.count() > 5000
    assert not result.skipped
    assert set(Movie.objects.values_list("source", flat=True)) == {Movie.Source.DEMO}
    assert set(Genre.objects.values_list("tmdb_id", flat=True)) == TMDB_GENRE_IDS
    total = result.total
    assert Movie.objects.filter(genres__isnull=False).distinct().count() > 0.95 * total
    assert Movie.objects.exclude(director="").count() > 0.95 * total
    assert Movie.objects.exclude(cast=[]).count() > 0.9 * total
    assert Movie.objects.filter(vote_count__gt=0, vote_average__gt=0).count() > 0.9 * total


def test_known_film_comes_out_right():
    demo_catalog_load()

    heat = Movie.objects.get(tmdb_id=949)
    assert heat.title == "Heat"
    assert heat.imdb_id == "tt0113277"
    assert heat.release_date.year == 1995
    assert heat.director == "Michael Mann"
    assert heat.runtime == 170
    assert heat.original_language == "en"
    assert {"Al Pacino", "Robert De Niro"} <= set(heat.cast)
    assert "Crime" in set(heat.genres.values_list("name", flat=True))
    assert "Michael Mann" in heat.overview


def test_loading_twice_creates_nothing_and_writes_no_duplicates():
    first = demo_catalog_load()
    movies, links = Movie.objects.count(), _links()
    updated_at = dict(Movie.objects.values_list("tmdb_id", "updated_at"))

    second = demo_catalog_load()

    assert (second.created, second.updated, second.unchanged) == (0, 0, first.total)
    assert (Movie.objects.count(), _links()) == (movies, links)
    assert dict(Movie.objects.values_list("tmdb_id", "updated_at")) == updated_at, "no row was rewritten"


def test_a_demo_row_edited_in_the_database_is_restored_with_its_genres():
    demo_catalog_load()
    heat = Movie.objects.get(tmdb_id=949)
    heat.title = "Not Heat"
    heat.save()
    heat.genres.set([GenreFactory(tmdb_id=99)])

    result = demo_catalog_load()

    assert (result.created, result.updated) == (0, 1)
    heat.refresh_from_db()
    assert heat.title == "Heat"
    assert "Crime" in set(heat.genres.values_list("name", flat=True))
    assert "Documentary" not in set(heat.genres.values_list("name", flat=True))


def test_a_tmdb_synced_row_keeps_its_tmdb_fields_and_only_gets_empty_ones_filled():
    drama = GenreFactory(tmdb_id=18, name="Drama")
    heat = MovieFactory(
        tmdb_id=949,
        title="Heat (TMDb)",
        overview="Obsessive master thief Neil McCauley leads a top-notch crew.",
        popularity=55.5,
        vote_average=7.9,
        vote_count=7000,
        poster_path="/heat.jpg",
        director="",
        cast=[],
        source=Movie.Source.TMDB,
    )
    seven = MovieFactory(tmdb_id=807, director="David Fincher (TMDb)", cast=["Brad Pitt"], genres=[drama])

    result = demo_catalog_load()

    assert result.from_tmdb == 2
    heat.refresh_from_db()
    assert (heat.title, heat.overview, heat.popularity, heat.vote_average, heat.vote_count, heat.poster_path) == (
        "Heat (TMDb)",
        "Obsessive master thief Neil McCauley leads a top-notch crew.",
        55.5,
        7.9,
        7000,
        "/heat.jpg",
    )
    assert heat.source == Movie.Source.TMDB
    assert heat.director == "Michael Mann", "an empty field is filled from the demo catalog"
    assert "Al Pacino" in heat.cast
    assert "Crime" in set(heat.genres.values_list("name", flat=True)), "a row without genres gets them"
    seven.refresh_from_db()
    assert (seven.director, seven.cast, seven.source) == ("David Fincher (TMDb)", ["Brad Pitt"], Movie.Source.TMDB)
    assert list(seven.genres.values_list("tmdb_id", flat=True)) == [18], "TMDb's genres are left alone"

    again = demo_catalog_load()
    assert (again.created, again.updated) == (0, 0)


def test_command_loads_and_prints_a_summary():
    out = StringIO()
    call_command("load_demo_catalog", stdout=out)

    assert Movie.objects.count() > 5000
    assert "created" in out.getvalue()


def test_command_if_empty_skips_a_catalog_that_has_movies():
    MovieFactory()
    out = StringIO()

    call_command("load_demo_catalog", "--if-empty", stdout=out)

    assert Movie.objects.count() == 1
    assert "not loaded" in out.getvalue()


def test_command_if_empty_loads_an_empty_catalog():
    call_command("load_demo_catalog", "--if-empty", stdout=StringIO())

    assert Movie.objects.count() > 5000


def test_an_unknown_file_version_is_refused(tmp_path):
    path = tmp_path / "catalog.json.gz"
    with gzip.open(path, "wt") as handle:
        json.dump({"version": 99, "genres": [], "movies": []}, handle)

    with pytest.raises(DemoCatalogError):
        demo_catalog_load(path=path)
    assert not Movie.objects.exists()


def test_command_reports_an_unreadable_file(monkeypatch, tmp_path):
    monkeypatch.setattr("movies.demo.DEMO_CATALOG_PATH", tmp_path / "missing.json.gz")

    with pytest.raises(CommandError):
        call_command("load_demo_catalog", stdout=StringIO())


# The build script, on a tiny stand-in for movies.db and links.csv (no package, no ../shared needed).


def _build_script():
    spec = importlib.util.spec_from_file_location("build_demo_catalog", REPO / "scripts" / "build_demo_catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def tiny_sources(tmp_path):
    db = tmp_path / "movies.db"
    connection = sqlite3.connect(db)
    connection.execute(
        "CREATE TABLE omdb (ID INTEGER, imdbID TEXT, Title TEXT, Year INTEGER, Released TEXT, Runtime REAL, "
        "Genre TEXT, Director TEXT, Writer TEXT, Cast TEXT, Language TEXT, Country TEXT)"
    )
    connection.execute("CREATE TABLE tomatoes (ID INTEGER, Rating REAL, Reviews INTEGER, BoxOffice REAL)")
    connection.executemany(
        "INSERT INTO omdb VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (1, "tt0113277", "Heat", 1995, "1995-12-15", 170.0, "Crime, Sci-Fi, Sport, Musical", "Michael Mann",
             "Michael Mann", "Al Pacino, Robert De Niro", "English", "United States"),
            (2, "tt0068646", "The Godfather", 1972, "1972-03-24", 175.0, "Drama, Biography", "Francis Ford Coppola",
             None, "", "English, Italian", "Italy, United States"),
            (3, "tt9999999", "Not in MovieLens", 2001, "2001-01-01", 90.0, "Drama", "Someone", "", "", "English",
             "United States"),
        ],
    )  # fmt: skip
    connection.executemany(
        "INSERT INTO tomatoes VALUES (?,?,?,?)", [(1, 7.8, 100, 187_000_000.0), (2, None, 10, None), (3, 6.0, 5, None)]
    )
    connection.commit()
    connection.close()
    with (tmp_path / "links.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["movieId", "imdbId", "tmdbId"])
        writer.writerow(["6", "0113277", "949"])
        writer.writerow(["858", "0068646", "238"])
    return db, tmp_path


def test_build_script_joins_on_imdb_id_and_maps_genres_language_and_figures(tiny_sources, tmp_path):
    script = _build_script()
    db, links_dir = tiny_sources
    output = tmp_path / "out.json.gz"

    script.main(["--movies-db", str(db), "--links-dir", str(links_dir), "--output", str(output)])

    with gzip.open(output, "rb") as handle:
        catalog = json.load(handle)
    films = {film["tmdb_id"]: film for film in catalog["movies"]}
    assert list(films) == [238, 949], "only films with a TMDb id, sorted"
    heat, godfather = films[949], films[238]
    assert heat["genres"] == [80, 878, 10402], "Sci-Fi -> 878, Musical -> 10402, Sport has no TMDb genre"
    assert godfather["genres"] == [18, 36]
    assert (heat["original_language"], godfather["original_language"]) == ("en", "en")
    assert (heat["vote_average"], heat["vote_count"]) == (7.8, 100)
    assert (godfather["vote_average"], godfather["vote_count"]) == (0.0, 0), "no critics' average, no votes"
    assert heat["popularity"] == pytest.approx(100 / 10 + 10 * 2.2742, abs=0.01)
    assert heat["overview"] == "1995 film directed by Michael Mann (United States)."
    assert godfather["writer"] == ""
    first = output.read_bytes()
    script.main(["--movies-db", str(db), "--links-dir", str(links_dir), "--output", str(output)])
    assert output.read_bytes() == first, "the output is byte-for-byte deterministic"
