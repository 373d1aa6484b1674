"""The natural-language query set (nl_queries.json): a hand-made catalog of real films and requests, each with
the property every result must have. Shared by the tests (tests/recommendations/test_nl_local.py) and the
quality harness (bench/eval_nl.py, `make eval BENCH=nl`).

A property (`expect`) is a conjunction of: genres_all, genres_any, genres_none (genre names), year_from,
year_to, cast, cast_any, director (a full name), keyword (a TMDb keyword name), language (ISO 639-1),
not_title, genres_at_least ([n, names]: at least n of these genres) and any_of (a list of properties, one of
which must hold).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from movies import graph
from movies.genres import TMDB_GENRES
from movies.local_ids import split_credit_names
from movies.models import Genre, Movie

PATH = Path(__file__).with_name("nl_queries.json")
FIRST_TMDB_ID = 1000


@dataclass(frozen=True)
class NlQuery:
    query: str
    limit: int
    expect: dict[str, Any]


@cache
def _data() -> dict[str, Any]:
    return json.loads(PATH.read_text(encoding="utf-8"))


def catalog_rows() -> list[dict[str, Any]]:
    return _data()["catalog"]


def queries() -> list[NlQuery]:
    return [NlQuery(q["query"], q["limit"], q["expect"]) for q in _data()["queries"]]


def load_catalog() -> dict[str, Movie]:
    """The catalog's movies (tmdb ids from 1000 in file order) with their genres, people and keywords."""
    genres = {
        name: Genre.objects.get_or_create(tmdb_id=tmdb_id, defaults={"name": name})[0]
        for tmdb_id, name in TMDB_GENRES.items()
    }
    movies: dict[str, Movie] = {}
    credits: dict[int, graph.NamedCredits] = {}
    keywords: dict[int, list[str]] = {}
    for n, row in enumerate(catalog_rows()):
        movie = Movie.objects.create(
            tmdb_id=FIRST_TMDB_ID + n,
            title=row["title"],
            **Movie.normalized_titles(title=row["title"]),
            release_date=datetime.date(row["year"], 6, 1),
            popularity=row["popularity"],
            vote_average=row["vote_average"],
            vote_count=int(row["popularity"] * 100),
            original_language=row["language"],
        )
        movie.genres.set([genres[g] for g in row["genres"]])
        credits[movie.pk] = graph.NamedCredits(
            directors=tuple(split_credit_names(row["director"])), cast=tuple(row["cast"])
        )
        if row["keywords"]:
            keywords[movie.pk] = list(row["keywords"])
        movies[row["title"]] = movie
    graph.movies_credits_from_names(credits)
    graph.movies_keywords_from_names(keywords)
    for movie in Movie.objects.filter(pk__in=[m.pk for m in movies.values()]):
        movies[movie.title] = movie
    return movies


def facts(movie: Movie) -> dict[str, Any]:
    """What a property is checked against (one query for the genres unless prefetched)."""
    return {
        "title": movie.title,
        "year": movie.release_date.year if movie.release_date else None,
        "genres": {g.name for g in movie.genres.all()},
        "cast": list(movie.cast or []),
        "directors": split_credit_names(movie.director or ""),
        "keywords": list(movie.keywords or []),
        "language": movie.original_language,
    }


def holds(expect: dict[str, Any], fact: dict[str, Any]) -> bool:
    """Whether a movie's facts have the property."""
    genres, year = fact["genres"], fact["year"]
    checks = {
        "genres_all": lambda v: set(v) <= genres,
        "genres_any": lambda v: bool(set(v) & genres),
        "genres_none": lambda v: not set(v) & genres,
        "genres_at_least": lambda v: len(set(v[1]) & genres) >= v[0],
        "year_from": lambda v: year is not None and year >= v,
        "year_to": lambda v: year is not None and year <= v,
        "cast": lambda v: v in fact["cast"],
        "cast_any": lambda v: bool(set(v) & set(fact["cast"])),
        "director": lambda v: v in fact["directors"],
        "keyword": lambda v: v in fact["keywords"],
        "language": lambda v: fact["language"] == v,
        "not_title": lambda v: fact["title"] != v,
        "any_of": lambda v: any(holds(e, fact) for e in v),
    }
    return all(checks[key](value) for key, value in expect.items())
