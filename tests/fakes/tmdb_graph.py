"""The graph side of the loopback TMDb: what a details answer appends (credits, keywords, videos, watch
providers), `/person/{id}?append_to_response=movie_credits` and `/collection/{id}`, in TMDb's documented shapes.

Real answers come from `../shared/data/realtmdb/` (`load_real_movie`); what those samples lack (videos and
watch providers were dropped from them) is generated here in TMDb's shapes. A person's movie credits and a
collection's parts are derived from the movies the fake serves, as TMDb derives them from its own graph.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

LIST_ITEM_KEYS = (
    "adult",
    "backdrop_path",
    "genre_ids",
    "id",
    "original_language",
    "original_title",
    "overview",
    "popularity",
    "poster_path",
    "release_date",
    "title",
    "video",
    "vote_average",
    "vote_count",
)
PERSON_KEYS = ("adult", "gender", "id", "known_for_department", "name", "original_name", "popularity", "profile_path")


def real_samples_dir() -> Path | None:
    """Where the recorded TMDb answers live: $TMDB_SAMPLES_DIR, else `shared/data/realtmdb` beside an ancestor
    of this checkout (../shared from the main checkout, ../../shared from a worktree)."""
    if os.environ.get("TMDB_SAMPLES_DIR"):
        return Path(os.environ["TMDB_SAMPLES_DIR"])
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "realtmdb"
        if candidate.is_dir():
            return candidate
    return None


def read_sample(name: str) -> Any:
    directory = real_samples_dir()
    if directory is None or not (directory / name).is_file():
        raise FileNotFoundError(f"TMDb sample {name} not found (set TMDB_SAMPLES_DIR)")
    return json.loads((directory / name).read_text(encoding="utf-8"))


def load_real_movie(tmdb_id: int) -> tuple[dict, dict]:
    """(details base without appended parts, appended parts found: credits and keywords) of a recorded movie."""
    base = read_sample(f"movie-{tmdb_id}.json")
    parts = {key: base.pop(key) for key in ("credits", "keywords") if key in base}
    for key in ("credits", "keywords"):
        directory = real_samples_dir()
        if key not in parts and directory is not None and (directory / f"movie-{tmdb_id}-{key}.json").is_file():
            sample = read_sample(f"movie-{tmdb_id}-{key}.json")
            sample.pop("id", None)
            parts[key] = sample
    return base, parts


def list_item(details: dict) -> dict:
    """A details answer as TMDb lists the movie (genre ids, not genre objects)."""
    item = {k: details[k] for k in LIST_ITEM_KEYS if k in details}
    item.setdefault("genre_ids", [g["id"] for g in details.get("genres") or []])
    return item


def generated_credits(tmdb_id: int) -> dict:
    """Twelve billed actors, a director and a screenwriter, with person and credit ids as TMDb gives them."""

    def person(person_id: int, name: str, department: str) -> dict:
        return {
            "adult": False,
            "gender": 2,
            "id": person_id,
            "known_for_department": department,
            "name": name,
            "original_name": name,
            "popularity": 10.0,
            "profile_path": f"/profile{person_id}.jpg",
        }

    cast = [
        {
            **person(30_000_000 + tmdb_id * 12 + n, f"Actor {tmdb_id}-{n}", "Acting"),
            "cast_id": n + 1,
            "character": f"Role {n}",
            "credit_id": f"{tmdb_id:012x}a{n:011x}",
            "order": n,
        }
        for n in range(12)
    ]
    crew = [
        {
            **person(10_000_000 + tmdb_id, f"Director {tmdb_id}", "Directing"),
            "credit_id": f"{tmdb_id:012x}d{0:011x}",
            "department": "Directing",
            "job": "Director",
        },
        {
            **person(20_000_000 + tmdb_id, f"Writer {tmdb_id}", "Writing"),
            "credit_id": f"{tmdb_id:012x}w{0:011x}",
            "department": "Writing",
            "job": "Screenplay",
        },
    ]
    return {"cast": cast, "crew": crew}


def generated_keywords() -> dict:
    return {"keywords": [{"id": 9882, "name": "space"}, {"id": 6054, "name": "friendship"}]}


def generated_videos(tmdb_id: int) -> dict:
    """A teaser first, an official trailer later, a Vimeo featurette: the order a client must not rely on."""

    def video(n: int, name: str, site: str, kind: str, official: bool, published: str) -> dict:
        return {
            "iso_639_1": "en",
            "iso_3166_1": "US",
            "name": name,
            "key": f"k{tmdb_id}v{n}",
            "site": site,
            "size": 1080,
            "type": kind,
            "official": official,
            "published_at": published,
            "id": f"{tmdb_id:012x}v{n:011x}",
        }

    return {
        "results": [
            video(0, "Teaser", "YouTube", "Teaser", True, "2020-01-10T16:00:00.000Z"),
            video(1, "Fan trailer", "YouTube", "Trailer", False, "2020-03-01T10:00:00.000Z"),
            video(2, "Official Trailer", "YouTube", "Trailer", True, "2020-02-01T17:00:00.000Z"),
            video(3, "Making of", "Vimeo", "Featurette", True, "2020-04-01T12:00:00.000Z"),
        ]
    }


NETFLIX = {"logo_path": "/pbpMk2JmcoNnQwx5JGpXngfoWtp.jpg", "provider_id": 8, "provider_name": "Netflix"}
APPLE = {"logo_path": "/9ghgSC0MA082EL6HLCW3GalykFD.jpg", "provider_id": 2, "provider_name": "Apple TV"}
AMAZON = {"logo_path": "/seGSXajazLMCKGB5hnRCidtjay1.jpg", "provider_id": 10, "provider_name": "Amazon Video"}
TUBI = {"logo_path": "/zLYr7OKvHXnDmZqGtDW8tW4xETl.jpg", "provider_id": 73, "provider_name": "Tubi TV"}


def generated_providers(tmdb_id: int) -> dict:
    """US: streaming, rent, buy and free; GB: rent only. Display priorities differ by region, as on TMDb."""

    def link(region: str) -> str:
        return f"https://www.themoviedb.org/movie/{tmdb_id}/watch?locale={region}"

    return {
        "results": {
            "US": {
                "link": link("US"),
                "flatrate": [{**NETFLIX, "display_priority": 0}],
                "rent": [{**AMAZON, "display_priority": 9}, {**APPLE, "display_priority": 4}],
                "buy": [{**APPLE, "display_priority": 4}],
                "free": [{**TUBI, "display_priority": 20}],
            },
            "GB": {"link": link("GB"), "rent": [{**APPLE, "display_priority": 2}]},
        }
    }


def person_answer(person_id: int, credited: list[tuple[dict, dict]], extra: dict | None, append: str) -> dict:
    """/person/{id}: the person's own fields, and with `movie_credits` every movie credit of theirs, each a
    movie list item plus the credit's fields. `credited` is (movie list item, credit entry) pairs."""
    entry = credited[0][1] if credited else {}
    body = {
        "adult": entry.get("adult", False),
        "also_known_as": [],
        "biography": f"The life of {entry.get('name', 'someone')}.",
        "birthday": "1969-08-18",
        "deathday": None,
        "gender": entry.get("gender", 0),
        "homepage": None,
        "id": person_id,
        "imdb_id": f"nm{person_id:07d}",
        "known_for_department": entry.get("known_for_department", "Acting"),
        "name": entry.get("name", f"Person {person_id}"),
        "place_of_birth": "Boston, Massachusetts, USA",
        "popularity": entry.get("popularity", 1.0),
        "profile_path": entry.get("profile_path"),
        **(extra or {}),
    }
    if "movie_credits" in append:
        cast, crew = [], []
        for item, credit in credited:
            if "character" in credit:
                cast.append(
                    {
                        **item,
                        "character": credit["character"],
                        "credit_id": credit.get("credit_id"),
                        "order": credit.get("order"),
                    }
                )
            else:
                crew.append(
                    {
                        **item,
                        "credit_id": credit.get("credit_id"),
                        "department": credit.get("department"),
                        "job": credit.get("job"),
                    }
                )
        body["movie_credits"] = {"cast": cast, "crew": crew, "id": person_id}
    return body


def collection_answer(collection: dict, parts: list[dict]) -> dict:
    """/collection/{id}: the collection and its parts as list items (with `media_type`), as TMDb answers."""
    return {
        "id": collection["id"],
        "name": collection["name"],
        "overview": collection.get("overview", f"The films of {collection['name']}."),
        "poster_path": collection.get("poster_path"),
        "backdrop_path": collection.get("backdrop_path"),
        "parts": [{**item, "media_type": "movie"} for item in parts],
    }
