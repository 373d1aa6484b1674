"""A small hand-made catalog with known answers: a trilogy, two directors' films, romances, filler."""

from __future__ import annotations

import datetime

import pytest

from tests.factories import GenreFactory, MovieFactory

SCI_FI, ACTION, DRAMA, COMEDY, ROMANCE, CRIME = 878, 28, 18, 35, 10749, 80


@pytest.fixture
def catalog(db):
    g = {
        gid: GenreFactory(tmdb_id=gid, name=name)
        for gid, name in [
            (SCI_FI, "Science Fiction"),
            (ACTION, "Action"),
            (DRAMA, "Drama"),
            (COMEDY, "Comedy"),
            (ROMANCE, "Romance"),
            (CRIME, "Crime"),
        ]
    }

    def movie(tmdb_id, title, genres, director="", cast=(), keywords=(), **extra):
        return MovieFactory(
            tmdb_id=tmdb_id,
            title=title,
            overview=extra.pop("overview", ""),
            genres=[g[x] for x in genres],
            director=director,
            cast=list(cast),
            keywords=list(keywords),
            **extra,
        )

    wachowski = "Lana Wachowski, Lilly Wachowski"
    movies = {
        "matrix": movie(
            603,
            "The Matrix",
            [SCI_FI, ACTION],
            wachowski,
            ["Keanu Reeves", "Carrie-Anne Moss"],
            ["simulation", "hacker"],
            popularity=80,
            vote_average=8.2,
            vote_count=20000,
        ),
        "reloaded": movie(
            604,
            "The Matrix Reloaded",
            [SCI_FI, ACTION],
            wachowski,
            ["Keanu Reeves"],
            ["simulation"],
            popularity=40,
            vote_average=7.0,
            vote_count=9000,
        ),
        "revolutions": movie(
            605,
            "The Matrix Revolutions",
            [SCI_FI, ACTION],
            wachowski,
            ["Keanu Reeves"],
            ["simulation"],
            popularity=35,
            vote_average=6.7,
            vote_count=8000,
        ),
        "inception": movie(
            27205,
            "Inception",
            [SCI_FI, ACTION],
            "Christopher Nolan",
            ["Leonardo DiCaprio", "Cillian Murphy"],
            ["dream", "heist"],
            popularity=90,
            vote_average=8.4,
            vote_count=30000,
        ),
        "interstellar": movie(
            157336,
            "Interstellar",
            [SCI_FI, DRAMA],
            "Christopher Nolan",
            ["Matthew McConaughey"],
            ["space", "time"],
            popularity=85,
            vote_average=8.4,
            vote_count=30000,
        ),
        "memento": movie(
            77,
            "Memento",
            [DRAMA, CRIME],
            "Christopher Nolan",
            ["Guy Pearce"],
            ["memory"],
            popularity=30,
            vote_average=8.2,
            vote_count=12000,
        ),
        "heat": movie(
            949,
            "Heat",
            [ACTION, CRIME, DRAMA],
            "Michael Mann",
            ["Al Pacino", "Robert De Niro"],
            ["heist", "los angeles"],
            popularity=40,
            vote_average=8.0,
            vote_count=6000,
        ),
        "collateral": movie(
            1538,
            "Collateral",
            [ACTION, CRIME, DRAMA],
            "Michael Mann",
            ["Tom Cruise"],
            ["los angeles", "hitman"],
            popularity=30,
            vote_average=7.3,
            vote_count=5000,
        ),
        "notting": movie(
            509,
            "Notting Hill",
            [COMEDY, ROMANCE],
            "Roger Michell",
            ["Julia Roberts", "Hugh Grant"],
            ["bookshop", "love"],
            popularity=30,
            vote_average=7.2,
            vote_count=5000,
        ),
        "love_actually": movie(
            508,
            "Love Actually",
            [COMEDY, ROMANCE],
            "Richard Curtis",
            ["Hugh Grant"],
            ["christmas", "love"],
            popularity=35,
            vote_average=7.0,
            vote_count=6000,
        ),
        "adult": movie(
            999001,
            "Adult Matrix Parody",
            [SCI_FI, ACTION],
            wachowski,
            ["Keanu Reeves"],
            ["simulation"],
            adult=True,
            popularity=5,
            vote_average=5,
            vote_count=10,
        ),
    }
    for i in range(30):
        movies[f"filler{i}"] = movie(
            700_000 + i,
            f"Quiet Story {i}",
            [DRAMA if i % 2 else COMEDY],
            f"Director {i}",
            [f"Actor {i}"],
            [f"theme{i}"],
            popularity=10 + i,
            vote_average=6.0,
            vote_count=100 + i,
            release_date=datetime.date(2000 + i % 20, 1, 1),
        )
    return movies
