"""The bundled catalog's people, known by name only, as rows with stable ids of our own."""

from __future__ import annotations

import gzip
import json

import pytest

from movies import graph
from movies.demo import DemoCatalogError, demo_catalog_load, demo_catalog_read, named_credits
from movies.local_ids import LOCAL_ID_MAX, LOCAL_ID_MIN, local_id
from movies.models import Credit, Movie, Person
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


def _catalog(tmp_path, *films) -> object:
    path = tmp_path / "catalog.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump({"version": 1, "genres": [{"id": 18, "name": "Drama"}], "movies": list(films)}, handle)
    return path


def _film(tmdb_id: int, **fields) -> dict:
    film = {"tmdb_id": tmdb_id, "title": f"Film {tmdb_id}", "genres": [18], "director": "", "writer": "", "cast": []}
    film |= {"imdb_id": f"tt{tmdb_id:07d}", "overview": "", "release_date": "2000-01-01", "runtime": 90}
    film |= {"popularity": 1.0, "vote_average": 6.0, "vote_count": 10, "original_language": "en"}
    return film | fields


def test_every_bundled_director_writer_and_cast_member_is_a_person_with_a_local_id():
    demo_catalog_load()

    catalog = demo_catalog_read()
    heat = Movie.objects.get(tmdb_id=949)
    mann = Person.objects.get(credits__movie=heat, credits__job="Director")
    assert (mann.name, mann.local_id, mann.tmdb_id) == ("Michael Mann", 5207951289620846, None)
    assert {"Al Pacino", "Robert De Niro"} <= set(
        heat.credits.filter(kind="cast").values_list("person__name", flat=True)
    )
    named = sum(len(named_credits(film).rows()) for film in catalog["movies"])
    assert Credit.objects.count() == named > 100_000
    ids = Person.objects.values_list("local_id", flat=True)
    assert all(LOCAL_ID_MIN <= i < LOCAL_ID_MAX for i in ids) and not Person.objects.filter(tmdb_id__isnull=False)


def test_a_local_id_depends_on_the_name_only():
    assert local_id("person", "Michael Mann") == local_id("person", " michael  MANN ") == 5207951289620846
    assert local_id("keyword", "Michael Mann") != local_id("person", "Michael Mann")
    assert local_id("person", "Amélie Poulain") != local_id("person", "Amelie Poulain")


def test_reloading_keeps_every_id_and_writes_nothing(tmp_path):
    path = _catalog(tmp_path, _film(1, director="Ann Dir", cast=["Bo Actor", "Cy Actor"]), _film(2, cast=["Bo Actor"]))
    demo_catalog_load(path=path)
    people = dict(Person.objects.values_list("name", "pk"))
    credits = list(Credit.objects.order_by("pk").values_list("pk", "movie__tmdb_id", "person__local_id"))

    again = demo_catalog_load(path=path)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert dict(Person.objects.values_list("name", "pk")) == people
    assert list(Credit.objects.order_by("pk").values_list("pk", "movie__tmdb_id", "person__local_id")) == credits
    assert Person.objects.get(name="Bo Actor").credits.count() == 2


def test_a_changed_cast_in_the_file_rewrites_that_films_credits(tmp_path):
    demo_catalog_load(path=_catalog(tmp_path, _film(1, cast=["Bo Actor"])))

    result = demo_catalog_load(path=_catalog(tmp_path, _film(1, cast=["Bo Actor", "Di Actor"])))

    assert result.updated == 1
    assert Movie.objects.get(tmdb_id=1).cast == ["Bo Actor", "Di Actor"]


def test_a_name_suffix_stays_with_its_name(tmp_path):
    demo_catalog_load(path=_catalog(tmp_path, _film(1, writer="Jack Epps, Jr., Jim Cash", cast=["Jr.", "Ed Actor"])))

    movie = Movie.objects.get(tmdb_id=1)
    assert list(movie.credits.filter(job="Writer").values_list("person__name", flat=True)) == [
        "Jack Epps, Jr.",
        "Jim Cash",
    ]
    assert movie.cast == ["Ed Actor"] and movie.writer == "Jack Epps, Jr., Jim Cash"


def test_a_tmdb_row_without_credits_gets_the_files_and_one_with_credits_keeps_its_own(tmp_path):
    bare = MovieFactory(tmdb_id=1, source=Movie.Source.TMDB)
    credited = MovieFactory(tmdb_id=2, source=Movie.Source.TMDB, director="TMDb Director")

    demo_catalog_load(path=_catalog(tmp_path, _film(1, director="Ann Dir"), _film(2, director="Other Dir")))

    assert Movie.objects.get(pk=bare.pk).director == "Ann Dir"
    assert Movie.objects.get(pk=credited.pk).director == "TMDb Director"


def test_a_person_taken_over_by_tmdb_is_reused_by_a_later_load(tmp_path):
    path = _catalog(tmp_path, _film(1, cast=["Bo Actor"]), _film(2, cast=["Bo Actor"]))
    demo_catalog_load(path=path)
    Person.objects.filter(name="Bo Actor").update(tmdb_id=4242)
    Credit.objects.filter(movie__tmdb_id=2).delete()

    demo_catalog_load(path=path)

    assert Person.objects.filter(name="Bo Actor").count() == 1
    assert Credit.objects.get(movie__tmdb_id=2).person.tmdb_id == 4242


def test_two_names_with_one_local_id_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(graph, "local_id", lambda kind, name: LOCAL_ID_MIN)

    with pytest.raises(DemoCatalogError):
        demo_catalog_load(path=_catalog(tmp_path, _film(1, cast=["Bo Actor", "Cy Actor"])))
    assert not Movie.objects.exists()
