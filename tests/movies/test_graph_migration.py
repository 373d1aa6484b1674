"""A database filled by the previous version (names in JSON and text columns) moves forward: its films,
favorites and interactions stay, and its people and keywords become rows."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from movies.local_ids import LOCAL_ID_MIN, local_id

BEFORE = "0002_tmdb_state"
AFTER = "0004_movie_graph_from_names"


def _migrate(movies_migration: str | None):
    """Every app at its newest migration, `movies` at this one (None: its newest too); the apps of that state."""
    executor = MigrationExecutor(connection)
    targets = [n for n in executor.loader.graph.leaf_nodes() if n[0] != "movies" or movies_migration is None]
    if movies_migration is not None:
        targets.append(("movies", movies_migration))
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def old_state(transactional_db):
    apps = _migrate(BEFORE)
    yield apps
    _migrate(None)


def _fill_the_old_way(apps):
    Movie = apps.get_model("movies", "Movie")
    User = apps.get_model("users", "User")
    matrix = Movie.objects.create(
        tmdb_id=603,
        title="The Matrix",
        release_date=datetime.date(1999, 3, 30),
        director="Lana Wachowski, Lilly Wachowski",
        writer="Lana Wachowski, Lilly Wachowski",
        cast=["Keanu Reeves", "Carrie-Anne Moss"],
        keywords=["simulation", "hacker"],
    )
    speed = Movie.objects.create(tmdb_id=1857, title="Speed", director="Jan de Bont", cast=["Keanu Reeves"])
    Movie.objects.create(tmdb_id=1, title="Nothing known")
    user = User.objects.create(email="old@example.com", name="Old", password="!")
    apps.get_model("users", "Favorite").objects.create(user=user, movie=matrix)
    apps.get_model("users", "Interaction").objects.create(user=user, movie=speed, type="rated", rating=4.5)
    return user.pk


def test_an_old_mirror_keeps_its_rows_and_its_names_become_people_and_keywords(old_state):
    user_pk = _fill_the_old_way(old_state)

    apps = _migrate(AFTER)

    Movie, Person, Credit = (apps.get_model("movies", m) for m in ("Movie", "Person", "Credit"))
    assert Movie.objects.count() == 3
    favorites = apps.get_model("users", "Favorite").objects.filter(user_id=user_pk)
    assert [f.movie.tmdb_id for f in favorites] == [603]
    rated = apps.get_model("users", "Interaction").objects.get(user_id=user_pk)
    assert (rated.movie.tmdb_id, rated.type, float(rated.rating)) == (1857, "rated", 4.5)

    keanu = Person.objects.get(name="Keanu Reeves")
    assert keanu.local_id == local_id("person", "Keanu Reeves") >= LOCAL_ID_MIN and keanu.tmdb_id is None
    assert sorted(Credit.objects.filter(person=keanu).values_list("movie__tmdb_id", "kind", "order")) == [
        (603, "cast", 0),
        (1857, "cast", 0),
    ]
    crew = Credit.objects.filter(movie__tmdb_id=603, kind="crew").order_by("order")
    assert [(c.person.name, c.job) for c in crew] == [
        ("Lana Wachowski", "Director"),
        ("Lilly Wachowski", "Director"),
        ("Lana Wachowski", "Writer"),
        ("Lilly Wachowski", "Writer"),
    ]
    links = apps.get_model("movies", "MovieKeyword").objects.filter(movie__tmdb_id=603).order_by("order")
    assert [link.keyword.name for link in links] == ["simulation", "hacker"]
    assert Person.objects.count() == 5  # Keanu Reeves, Carrie-Anne Moss, the Wachowskis, Jan de Bont: once each
    assert not Credit.objects.filter(movie__tmdb_id=1).exists()


def _counts(apps) -> list[int]:
    return [apps.get_model("movies", m).objects.count() for m in ("Person", "Credit", "Keyword", "MovieKeyword")]


def test_the_data_step_runs_twice_without_adding_and_reverses_to_nothing(old_state):
    _fill_the_old_way(old_state)
    apps = _migrate(AFTER)
    counts = _counts(apps)
    step = importlib.import_module("movies.migrations.0004_movie_graph_from_names")

    step.forward(apps, None)
    again = _counts(apps)
    apps = _migrate("0003_movie_graph")
    reversed_ = _counts(apps)
    apps = _migrate(AFTER)

    assert counts == [5, 8, 2, 2] and again == counts
    assert reversed_ == [0, 0, 0, 0]
    assert _counts(apps) == counts
