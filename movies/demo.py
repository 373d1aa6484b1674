"""The bundled demo catalog: thousands of real films loaded into the mirror with no network and no keys.

The data file (movies/data/demo_catalog.json.gz) is built by scripts/build_demo_catalog.py and committed;
this module reads nothing else. Demo rows carry source "demo" and the same tmdb_id TMDb uses, so a later
TMDb sync enriches the same rows. Rows TMDb has already synced keep their TMDb data: the demo catalog only
fills their empty fields (and gives them credits when they have none).

The file knows people by name only: each director, writer and cast member becomes a person of our own with
a local id derived from the name (movies/local_ids.py: >= 2**52, the same on every load and machine), so
`/api/people/<id>/` answers offline for all of them. A TMDb sync that meets the same name on the same film
takes the person over (movies.graph).
"""

from __future__ import annotations

import datetime
import gzip
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from movies import graph
from movies.local_ids import local_id, split_credit_names
from movies.models import Credit, Genre, Movie
from movies.services import catalog_bulk_changed

logger = logging.getLogger(__name__)

DEMO_CATALOG_PATH = Path(__file__).resolve().parent / "data" / "demo_catalog.json.gz"
SUPPORTED_VERSIONS = frozenset({1})

# What a demo row takes from the file (everything else keeps its model default or TMDb's value).
DEMO_FIELDS = (
    "imdb_id",
    "title",
    "overview",
    "release_date",
    "runtime",
    "popularity",
    "vote_average",
    "vote_count",
    "original_language",
    "title_normalized",  # derived from the title (Movie.normalized_titles), compared and written with it
    "titles_normalized",
)
# What a TMDb-synced row may take from the file, and only while the row's own value is empty. TMDb's own
# text and figures (title, overview, popularity, votes) are never replaced by demo values.
FILL_FIELDS = ("imdb_id", "release_date", "runtime", "original_language")

_CHUNK = graph.CHUNK
_BATCH = graph.BATCH


class DemoCatalogError(Exception):
    """The bundled data file is missing, unreadable or of a format version this code does not know."""


@dataclass(frozen=True)
class DemoLoadResult:
    created: int = 0
    updated: int = 0  # demo rows rewritten, plus TMDb rows whose empty fields were filled
    unchanged: int = 0  # already as the file says (TMDb rows left as they were count here too)
    from_tmdb: int = 0  # films of the file already synced from TMDb (kept as TMDb has them)
    skipped: bool = False  # if_empty and the catalog already had movies: nothing was read or written
    total: int = 0  # films in the file

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def demo_catalog_read(*, path: Path | None = None) -> dict[str, Any]:
    """The parsed data file, with release dates as `datetime.date`."""
    path = path or DEMO_CATALOG_PATH
    try:
        with gzip.open(path, "rb") as handle:
            catalog = json.load(handle)
    except (OSError, ValueError) as exc:
        raise DemoCatalogError(f"Cannot read the demo catalog {path.name}: {exc}") from exc
    if catalog.get("version") not in SUPPORTED_VERSIONS:
        raise DemoCatalogError(f"Unsupported demo catalog version {catalog.get('version')!r} in {path.name}.")
    for film in catalog["movies"]:
        released = film.get("release_date")
        film["release_date"] = datetime.date.fromisoformat(released) if released else None
    return catalog


def demo_catalog_load(*, if_empty: bool = False, path: Path | None = None) -> DemoLoadResult:
    """Upsert the bundled catalog by tmdb_id in a few bulk statements, in one transaction.

    Idempotent: a second run writes nothing. With `if_empty`, a catalog that already holds any movie is
    left alone. Demo rows (source "demo") are brought in line with the file, genres included; TMDb rows
    (source "tmdb") only get their empty FILL_FIELDS and, when they have none, genres.
    """
    if if_empty and Movie.objects.exists():
        return DemoLoadResult(skipped=True)

    catalog = demo_catalog_read(path=path)
    films: dict[int, dict[str, Any]] = {film["tmdb_id"]: film for film in catalog["movies"]}
    now = timezone.now()

    with transaction.atomic():
        genre_pks = _genres_upsert(catalog["genres"])
        existing = _existing_movies(films)
        current_genres = _genres_of({row["pk"] for row in existing.values()})
        current_credits = _credit_signatures({row["pk"] for row in existing.values()})
        recredit: dict[int, graph.NamedCredits] = {}  # tmdb_id -> names, for movies whose credits are rewritten

        to_create: list[Movie] = []
        to_update: list[Movie] = []
        fills: dict[tuple[str, ...], list[Movie]] = {}
        regenre: dict[int, set[int]] = {}  # tmdb_id -> genre pks, for movies whose genre links are rewritten
        unchanged = from_tmdb = filled = relinked = 0

        for tmdb_id, film in films.items():
            wanted_genres = {genre_pks[g] for g in film["genres"] if g in genre_pks}
            values = {field: film.get(field) for field in DEMO_FIELDS}
            values["runtime"] = values["runtime"] or None
            named = named_credits(film)
            values.update(Movie.normalized_titles(title=values["title"] or ""))
            row = existing.get(tmdb_id)
            if row is None:
                to_create.append(Movie(tmdb_id=tmdb_id, source=Movie.Source.DEMO, **_text_defaults(values)))
                regenre[tmdb_id] = wanted_genres
                recredit[tmdb_id] = named
            elif row["source"] == Movie.Source.DEMO:
                values = _text_defaults(values)
                genres_differ = current_genres.get(row["pk"], set()) != wanted_genres
                credits_differ = current_credits.get(row["pk"], []) != _signature(named)
                fields_differ = any(row[field] != values[field] for field in DEMO_FIELDS)
                if fields_differ:
                    to_update.append(Movie(tmdb_id=tmdb_id, source=Movie.Source.DEMO, updated_at=now, **values))
                if genres_differ:
                    regenre[tmdb_id] = wanted_genres
                if credits_differ:
                    recredit[tmdb_id] = named
                if not (fields_differ or genres_differ or credits_differ):
                    unchanged += 1
                elif not fields_differ:
                    relinked += 1  # only its genres or credits change
            else:
                from_tmdb += 1
                fill = {f: values[f] for f in FILL_FIELDS if _is_empty(row[f]) and not _is_empty(values[f])}
                needs_genres = not current_genres.get(row["pk"]) and bool(wanted_genres)
                needs_credits = row["pk"] not in current_credits and bool(named.rows())
                if fill:
                    fills.setdefault(tuple(sorted(fill)), []).append(Movie(pk=row["pk"], updated_at=now, **fill))
                if needs_genres:
                    regenre[tmdb_id] = wanted_genres
                if needs_credits:
                    recredit[tmdb_id] = named
                if fill or needs_genres or needs_credits:
                    filled += 1
                else:
                    unchanged += 1

        # New rows: a row a concurrent TMDb sync inserted meanwhile wins over the demo data.
        Movie.objects.bulk_create(to_create, batch_size=_BATCH, ignore_conflicts=True)
        Movie.objects.bulk_create(
            to_update,
            batch_size=_BATCH,
            update_conflicts=True,
            unique_fields=["tmdb_id"],
            update_fields=[*DEMO_FIELDS, "updated_at"],
        )
        for fields, movies in fills.items():
            Movie.objects.bulk_update(movies, [*fields, "updated_at"], batch_size=_BATCH)
        _genre_links_replace(regenre)
        _credits_replace(recredit)

    result = DemoLoadResult(
        created=len(to_create),
        updated=len(to_update) + filled + relinked,
        unchanged=unchanged,
        from_tmdb=from_tmdb,
        total=len(films),
    )
    logger.info(
        "demo catalog v%s: %d created, %d updated, %d unchanged (%d already from TMDb)",
        catalog["version"],
        result.created,
        result.updated,
        result.unchanged,
        result.from_tmdb,
    )
    return result


def named_credits(film: dict[str, Any]) -> graph.NamedCredits:
    """A film's people as the file names them ("Jack Epps, Jr." stays one writer; a bare "Jr." is no one)."""
    return graph.NamedCredits(
        directors=tuple(split_credit_names(film.get("director") or "")),
        writers=tuple(split_credit_names(film.get("writer") or "")),
        cast=tuple(n for name in film.get("cast") or [] for n in split_credit_names(name)),
    )


def _signature(named: graph.NamedCredits) -> list[tuple[str, str, int, int]]:
    return sorted((kind, job, order, local_id("person", name)) for kind, job, _, order, name in named.rows())


def _credit_signatures(movie_pks: set[int]) -> dict[int, list[tuple[str, str, int, int | None]]]:
    """Each movie's credits as (kind, job, order, person's local id), for movies with any."""
    signatures: dict[int, list] = {}
    for chunk in _chunks(movie_pks):
        for movie_pk, *signature in Credit.objects.filter(movie_id__in=chunk).values_list(
            "movie_id", "kind", "job", "order", "person__local_id"
        ):
            signatures.setdefault(movie_pk, []).append(tuple(signature))
    return {pk: sorted(signature, key=lambda s: (s[0], s[1], s[2], s[3] or 0)) for pk, signature in signatures.items()}


def _credits_replace(wanted: dict[int, graph.NamedCredits]) -> None:
    pks: dict[int, int] = {}
    for chunk in _chunks(wanted):
        pks.update(Movie.objects.filter(tmdb_id__in=chunk).values_list("tmdb_id", "pk"))
    try:
        graph.movies_credits_from_names({pks[tmdb_id]: named for tmdb_id, named in wanted.items() if tmdb_id in pks})
    except graph.LocalIdCollision as exc:
        raise DemoCatalogError(f"The demo catalog names two people with one local id: {exc}") from exc


def after_catalog_change(*, notify: Callable[[str], None] | None = None) -> None:
    """The one call point after the demo load changed the catalog: cached lists go, the index is rebuilt.

    `notify` receives what the listeners report (a rebuild that could not be queued).
    """
    catalog_bulk_changed(notify=notify)


def _text_defaults(values: dict[str, Any]) -> dict[str, Any]:
    """Text columns are NOT NULL with blank defaults: store "" rather than None."""
    return {
        field: ("" if value is None and field not in ("release_date", "runtime") else value)
        for field, value in values.items()
    }


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _chunks(items: Iterable[int]) -> Iterator[list[int]]:
    items = list(items)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _genres_upsert(genres: list[dict[str, Any]]) -> dict[int, int]:
    """TMDb genre id -> Genre pk; missing genres are created, existing names (TMDb's) are kept."""
    Genre.objects.bulk_create(
        [Genre(tmdb_id=genre["id"], name=genre["name"]) for genre in genres], ignore_conflicts=True
    )
    return dict(Genre.objects.filter(tmdb_id__in=[genre["id"] for genre in genres]).values_list("tmdb_id", "pk"))


def _existing_movies(films: dict[int, Any]) -> dict[int, dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(films):
        for row in Movie.objects.filter(tmdb_id__in=chunk).values("pk", "tmdb_id", "source", *DEMO_FIELDS):
            rows[row["tmdb_id"]] = row
    return rows


def _genres_of(movie_pks: set[int]) -> dict[int, set[int]]:
    through = Movie.genres.through
    links: dict[int, set[int]] = {}
    for chunk in _chunks(movie_pks):
        for movie_pk, genre_pk in through.objects.filter(movie_id__in=chunk).values_list("movie_id", "genre_id"):
            links.setdefault(movie_pk, set()).add(genre_pk)
    return links


def _genre_links_replace(wanted: dict[int, set[int]]) -> None:
    """Make each listed movie's genre links exactly the wanted set (delete, then insert in bulk)."""
    if not wanted:
        return
    through = Movie.genres.through
    pks: dict[int, int] = {}
    for chunk in _chunks(wanted):
        pks.update(Movie.objects.filter(tmdb_id__in=chunk).values_list("tmdb_id", "pk"))
    for chunk in _chunks(pks.values()):
        through.objects.filter(movie_id__in=chunk).delete()
    through.objects.bulk_create(
        [through(movie_id=pks[tmdb_id], genre_id=g) for tmdb_id, genres in wanted.items() for g in sorted(genres)],
        batch_size=_BATCH,
    )
