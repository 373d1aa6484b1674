"""MovieLens loading, the TMDb mapping, content documents and the temporal per-user split."""

from __future__ import annotations

import csv
import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recommendations.engine.content import MovieDoc

DEMO_CATALOG = Path(__file__).resolve().parents[2] / "movies" / "data" / "demo_catalog.json.gz"
RELEVANT_RATING = 4.0
HOLDOUT_SHARE = 0.2
_YEAR = re.compile(r"\s*\(\d{4}\)\s*$")


@dataclass
class Ratings:
    users: np.ndarray  # dense user index
    items: np.ndarray  # dense item index (row of the catalog)
    ratings: np.ndarray
    timestamps: np.ndarray

    def subset(self, mask: np.ndarray) -> Ratings:
        return Ratings(self.users[mask], self.items[mask], self.ratings[mask], self.timestamps[mask])

    def __len__(self) -> int:
        return len(self.users)


@dataclass
class Dataset:
    tmdb_ids: np.ndarray  # catalog row -> TMDb id
    docs: list[MovieDoc]
    content_source: str
    ratings: Ratings
    n_users: int

    @property
    def n_items(self) -> int:
        return len(self.tmdb_ids)


def load(data_dir: Path, *, demo_catalog: Path | None = DEMO_CATALOG) -> Dataset:
    """Movies with a TMDb id (via links.csv) and their ratings; content from the demo catalog when present."""
    links: dict[int, int] = {}
    with open(data_dir / "links.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["tmdbId"]:
                links[int(row["movieId"])] = int(row["tmdbId"])
    ml_movies: dict[int, tuple[str, list[str]]] = {}
    with open(data_dir / "movies.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            genres = [] if row["genres"] == "(no genres listed)" else row["genres"].split("|")
            ml_movies[int(row["movieId"])] = (_YEAR.sub("", row["title"]), genres)

    demo: dict[int, dict] = {}
    if demo_catalog is not None and demo_catalog.exists():
        with gzip.open(demo_catalog, "rt", encoding="utf-8") as fh:
            demo = {m["tmdb_id"]: m for m in json.load(fh)["movies"]}

    movie_ids = sorted(m for m in ml_movies if m in links)
    # Several MovieLens ids can share a TMDb id: keep the first, map the others onto it.
    row_of_tmdb: dict[int, int] = {}
    row_of_movie: dict[int, int] = {}
    tmdb_ids: list[int] = []
    docs: list[MovieDoc] = []
    ml_genre_ids: dict[str, int] = {}
    from_demo = 0
    for movie_id in movie_ids:
        tmdb_id = links[movie_id]
        if tmdb_id not in row_of_tmdb:
            row_of_tmdb[tmdb_id] = len(tmdb_ids)
            tmdb_ids.append(tmdb_id)
            title, genres = ml_movies[movie_id]
            entry = demo.get(tmdb_id)
            if entry is not None:
                from_demo += 1
                docs.append(
                    MovieDoc(
                        title=entry["title"],
                        overview=entry.get("overview") or "",
                        genres=entry.get("genres") or [],
                        keywords=entry.get("keywords") or [],
                        director=entry.get("director") or "",
                        cast=entry.get("cast") or [],
                    )
                )
            else:
                docs.append(
                    MovieDoc(
                        title=title, genres=[ml_genre_ids.setdefault(g, 1_000 + len(ml_genre_ids)) for g in genres]
                    )
                )
        row_of_movie[movie_id] = row_of_tmdb[tmdb_id]

    users, items, ratings, stamps = [], [], [], []
    with open(data_dir / "ratings.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            movie_id = int(row["movieId"])
            if movie_id in row_of_movie:
                users.append(int(row["userId"]))
                items.append(row_of_movie[movie_id])
                ratings.append(float(row["rating"]))
                stamps.append(int(row["timestamp"]))
    _, user_index = np.unique(np.array(users), return_inverse=True)
    source = (
        f"demo catalog for {from_demo} of {len(tmdb_ids)} movies, MovieLens titles+genres for the rest"
        if from_demo
        else "MovieLens titles+genres"
    )
    return Dataset(
        tmdb_ids=np.array(tmdb_ids, dtype=np.int64),
        docs=docs,
        content_source=source,
        ratings=Ratings(
            user_index.astype(np.int64), np.array(items), np.array(ratings, dtype=np.float32), np.array(stamps)
        ),
        n_users=int(user_index.max()) + 1,
    )


def temporal_split(ratings: Ratings, *, holdout: float = HOLDOUT_SHARE, seed: int = 42) -> tuple[Ratings, Ratings]:
    """Each user's last `holdout` share of ratings by time goes to the second part (ties broken by seed)."""
    rng = np.random.default_rng(seed)
    jitter = rng.random(len(ratings))
    order = np.lexsort((jitter, ratings.timestamps, ratings.users))
    users = ratings.users[order]
    starts = np.r_[0, np.nonzero(np.diff(users))[0] + 1]
    counts = np.diff(np.r_[starts, len(users)])
    n_test = np.floor(counts * holdout + 0.5).astype(int)
    position = np.arange(len(users)) - np.repeat(starts, counts)
    is_test_sorted = position >= np.repeat(counts - n_test, counts)
    is_test = np.zeros(len(ratings), dtype=bool)
    is_test[order] = is_test_sorted
    return ratings.subset(~is_test), ratings.subset(is_test)
