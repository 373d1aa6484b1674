"""Writes and upstream lookups for the mirror: upserts from TMDb, list syncs, read-through lookups.

No database transaction is ever open across a TMDb call: every service fetches first, then writes in a
short `atomic` block. Upserts are keyed on `tmdb_id`, so re-running any of them changes nothing.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from movie_backend.exceptions import NotFound, ServiceUnavailable
from movies import cache as movie_cache
from movies import graph, graph_parse
from movies.models import Genre, Movie, MovieListEntry, TmdbState
from movies.signals import catalog_changed
from movies.tmdb import (
    MAX_PAGE,
    TmdbClient,
    TmdbError,
    TmdbNotConfigured,
    TmdbNotFound,
    TmdbUnavailable,
    tmdb_configured,
)

logger = logging.getLogger(__name__)

# `sync_tmdb --lists` names: our list category -> how to fetch it.
SYNC_LISTS = ("trending_day", "trending_week", "popular", "top_rated", "now_playing", "upcoming")


class MovieNotFound(NotFound):
    message = "Movie not found."


# --- Mapping TMDb JSON to rows --------------------------------------------------------------------

_LIST_FIELDS = [
    "title",
    "original_title",
    "title_normalized",
    "titles_normalized",
    "overview",
    "release_date",
    "popularity",
    "vote_average",
    "vote_count",
    "original_language",
    "adult",
    "poster_path",
    "backdrop_path",
    "source",
    "synced_at",
]
# The people, keywords, videos and availability of a details answer are rows, written by movies.graph.
_DETAIL_FIELDS = [*_LIST_FIELDS, "imdb_id", "runtime", "revenue", "collection", "details_synced_at"]


def _movie_fields(data: dict, *, now: datetime.datetime) -> dict[str, Any]:
    title = (data.get("title") or data.get("original_title") or "")[:255]
    original_title = (data.get("original_title") or "")[:255]
    return {
        "title": title,
        "original_title": original_title,
        **Movie.normalized_titles(title=title, original_title=original_title),
        "overview": data.get("overview") or "",
        "release_date": graph_parse.parse_date(data.get("release_date")),
        "popularity": float(data.get("popularity") or 0),
        "vote_average": float(data.get("vote_average") or 0),
        "vote_count": int(data.get("vote_count") or 0),
        "original_language": (data.get("original_language") or "")[:8],
        "adult": bool(data.get("adult")),
        "poster_path": (data.get("poster_path") or "")[:255],
        "backdrop_path": (data.get("backdrop_path") or "")[:255],
        "source": Movie.Source.TMDB,
        "synced_at": now,
    }


def _detail_fields(data: dict, *, now: datetime.datetime, collections: dict[int, int]) -> dict[str, Any]:
    runtime, revenue = data.get("runtime"), data.get("revenue")
    collection = graph_parse.collection_from_tmdb(data)
    return {
        **_movie_fields(data, now=now),
        "imdb_id": (data.get("imdb_id") or "")[:16],
        "runtime": runtime if isinstance(runtime, int) and 0 < runtime < 32767 else None,
        "revenue": revenue if isinstance(revenue, int) and 0 < revenue < 2**63 else None,
        "collection_id": collections.get(collection["id"]) if collection else None,
        "details_synced_at": now,
    }


def _genre_ids(data: dict) -> list[int]:
    if "genre_ids" in data:
        return [int(g) for g in data.get("genre_ids") or []]
    return [int(g["id"]) for g in data.get("genres") or [] if "id" in g]


def _ensure_genres(data_items: Iterable[dict]) -> None:
    """Details carry genre names; create any genre we have not mirrored yet."""
    named = {int(g["id"]): g.get("name", "") for d in data_items for g in d.get("genres") or [] if "id" in g}
    if named:
        existing = set(Genre.objects.filter(tmdb_id__in=named).values_list("tmdb_id", flat=True))
        Genre.objects.bulk_create(
            [Genre(tmdb_id=gid, name=name[:64]) for gid, name in named.items() if gid not in existing],
            ignore_conflicts=True,
        )


def movies_upsert_from_tmdb(*, items: list[dict], details: bool = False) -> dict[int, int]:
    """Insert or update movies from TMDb list/search items (or full details); returns {tmdb_id: pk}.

    List items never blank what only details carry (runtime, collection, and the graph rows). Details also
    replace the movie's credits, keywords, videos and watch availability (movies.graph). Runs in one short
    transaction; call it after the network calls, never inside one.
    """
    now = timezone.now()
    by_id: dict[int, dict] = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("id"), int) and item.get("title") is not None:
            by_id[item["id"]] = item
    if not by_id:
        return {}
    with transaction.atomic():
        _ensure_genres(by_id.values())
        if details:
            collections = graph.collections_upsert(
                c for c in map(graph_parse.collection_from_tmdb, by_id.values()) if isinstance(c, dict)
            )
            rows = [Movie(tmdb_id=i, **_detail_fields(d, now=now, collections=collections)) for i, d in by_id.items()]
        else:
            rows = [Movie(tmdb_id=tmdb_id, **_movie_fields(item, now=now)) for tmdb_id, item in by_id.items()]
        update_fields = _DETAIL_FIELDS if details else _LIST_FIELDS
        Movie.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["tmdb_id"], update_fields=[*update_fields, "updated_at"]
        )
        pks = dict(Movie.objects.filter(tmdb_id__in=by_id).values_list("tmdb_id", "pk"))
        known_genres = dict(Genre.objects.values_list("tmdb_id", "pk"))
        through = Movie.genres.through
        through.objects.filter(movie_id__in=pks.values()).delete()
        through.objects.bulk_create(
            [
                through(movie_id=pks[tmdb_id], genre_id=known_genres[gid])
                for tmdb_id, item in by_id.items()
                for gid in dict.fromkeys(_genre_ids(item))
                if gid in known_genres
            ],
            ignore_conflicts=True,
        )
        if details:
            graph.movies_graph_replace(details={pks[tmdb_id]: item for tmdb_id, item in by_id.items()})
    return pks


def movie_upsert_from_tmdb(*, data: dict, details: bool = False) -> Movie:
    pks = movies_upsert_from_tmdb(items=[data], details=details)
    if not pks:  # garbage from upstream is an upstream failure (a 503), not our crash
        raise TmdbUnavailable("TMDb answered movie data without an id or title.")
    return Movie.objects.get(pk=next(iter(pks.values())))


# --- Genres and configuration ---------------------------------------------------------------------


def genres_sync(*, client: TmdbClient) -> int:
    """Mirror TMDb's genre list (names may change; ids are stable). Returns the number of genres."""
    genres = [g for g in client.genres() if isinstance(g.get("id"), int)]
    with transaction.atomic():
        for g in genres:
            Genre.objects.update_or_create(tmdb_id=g["id"], defaults={"name": (g.get("name") or "")[:64]})
    movie_cache.catalog_changed()
    return len(genres)


def configuration_sync(*, client: TmdbClient) -> dict:
    """Store TMDb's /configuration (image base URL and sizes); it changes rarely, so daily is plenty."""
    images = client.configuration().get("images") or {}
    value = {
        "secure_base_url": images.get("secure_base_url") or images.get("base_url") or "",
        "poster_sizes": images.get("poster_sizes") or [],
        "backdrop_sizes": images.get("backdrop_sizes") or [],
        "profile_sizes": images.get("profile_sizes") or [],
    }
    TmdbState.objects.update_or_create(key="configuration", defaults={"value": value})
    return value


# --- Lists ----------------------------------------------------------------------------------------


def _fetch_list_page(client: TmdbClient, name: str, page: int) -> dict:
    if name.startswith("trending_"):
        return client.trending(window=name.removeprefix("trending_"), page=page)
    return client.movie_list(category=name, page=page)


def movie_list_sync(*, client: TmdbClient, name: str, pages: int = 1) -> int:
    """Mirror the first `pages` pages of one TMDb list, replacing that list's ranks in one transaction.

    All pages are fetched before anything is written, so an interrupted sync leaves the previous list
    intact. Returns the number of movies in the list.
    """
    if name not in SYNC_LISTS:
        raise ValueError(f"unknown list {name!r}")
    ordered: list[dict] = []
    seen: set[int] = set()
    for page in range(1, min(pages, MAX_PAGE) + 1):
        body = _fetch_list_page(client, name, page)
        for item in body.get("results") or []:
            if isinstance(item, dict) and isinstance(item.get("id"), int) and item["id"] not in seen:
                seen.add(item["id"])
                ordered.append(item)
        if page >= int(body.get("total_pages") or 1):
            break
    now = timezone.now()
    with transaction.atomic():
        pks = movies_upsert_from_tmdb(items=ordered)
        MovieListEntry.objects.filter(category=name).delete()
        MovieListEntry.objects.bulk_create(
            [
                MovieListEntry(category=name, movie_id=pks[item["id"]], rank=rank, synced_at=now)
                for rank, item in enumerate(ordered, start=1)
                if item["id"] in pks
            ]
        )
    movie_cache.catalog_changed()
    return len(pks)


# --- Details --------------------------------------------------------------------------------------


def movie_details_sync(*, client: TmdbClient, tmdb_id: int) -> Movie:
    """Fetch one movie with everything around it in one call (credits, keywords, videos, watch providers,
    collection) and store it. Raises TmdbNotFound for unknown ids."""
    data = client.movie_details(tmdb_id=tmdb_id)
    movie = movie_upsert_from_tmdb(data=data, details=True)
    movie_cache.catalog_changed()
    return movie


def movie_details_get(*, tmdb_id: int) -> tuple[Movie, bool]:
    """The movie for the details endpoint and whether it is a stale copy served because TMDb failed.

    From the mirror when its details are fresh (or when TMDb is not configured); otherwise fetched through
    from TMDb (one call for many concurrent readers) and stored. When TMDb fails, the mirrored row is
    served as stale; with no row, 503.
    """
    movie = Movie.objects.filter(tmdb_id=tmdb_id).first()
    return fetch_through(
        row=movie,
        fresh=movie is not None and details_fresh(movie.details_synced_at),
        key=movie_cache.make_key("details", tmdb_id),
        family="details",
        produce=lambda: movie_details_sync(client=TmdbClient.for_request(), tmdb_id=tmdb_id).pk,
        load=lambda pk: Movie.objects.filter(pk=pk).first(),
        not_found=MovieNotFound,
        what="movie",
    )


def details_fresh(synced_at: datetime.datetime | None) -> bool:
    if synced_at is None:
        return False
    return timezone.now() - synced_at < datetime.timedelta(seconds=settings.TMDB_DETAILS_MAX_AGE)


Row = TypeVar("Row")


def fetch_through(
    *,
    row: Row | None,
    fresh: bool,
    key: str,
    family: str,
    produce: Callable[[], int],
    load: Callable[[int], Row | None],
    not_found: type[Exception],
    what: str,
) -> tuple[Row, bool]:
    """A mirrored row (movie, person, collection) or its fetch-through from TMDb, and whether it is stale.

    The mirror answers when its copy is `fresh` or TMDb is not configured. Otherwise `produce()` fetches and
    stores it (returning its pk) through the read-through cache: one call for many concurrent readers, under
    the shared rate limit and breaker. TMDb not knowing it leaves a mirror-only row (e.g. the demo catalog)
    ours to show; TMDb failing serves the mirrored row as stale, or 503 when there is none.
    """
    if row is not None and (fresh or not tmdb_configured()):
        return row, False
    if not tmdb_configured():
        raise not_found()
    try:
        result = movie_cache.read_through(key, produce, family=family, ttl=settings.CACHE_TTL_DETAILS)
    except TmdbNotFound:
        if row is not None:
            return row, False
        raise not_found() from None
    except TmdbError:
        if row is not None:
            return row, True
        raise ServiceUnavailable(f"TMDb is unavailable and this {what} is not mirrored yet.") from None
    except ServiceUnavailable:
        if row is not None:
            return row, True
        raise
    fetched = load(result.value)
    if fetched is None:
        raise not_found()
    return fetched, result.stale


def movie_get_or_fetch(*, tmdb_id: int) -> Movie:
    """The mirrored movie with this TMDb id, fetched through from TMDb and stored when not yet mirrored.

    Raises MovieNotFound when neither the mirror nor TMDb knows it, ServiceUnavailable when it is not
    mirrored and TMDb cannot be reached.
    """
    movie = Movie.objects.filter(tmdb_id=tmdb_id).first()
    if movie is not None:
        return movie
    return movie_details_get(tmdb_id=tmdb_id)[0]


def catalog_bulk_changed(*, notify: Callable[[str], None] | None = None) -> None:
    """After a bulk write: drop cached list pages and tell listeners (the recommendation index) once it commits.

    `notify` receives each listener's notice (e.g. a rebuild that could not be queued); outside a transaction,
    as in the commands, that happens before this returns.
    """
    movie_cache.catalog_changed()

    def send() -> None:
        for _receiver, notice in catalog_changed.send(sender=Movie):
            if notice and notify is not None:
                notify(str(notice))

    transaction.on_commit(send)


def movies_refresh_stale_details(*, client: TmdbClient, limit: int = 200) -> int:
    """Re-fetch details of the movies whose details are oldest (never-fetched first). Returns how many."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.TMDB_DETAILS_MAX_AGE)
    stale = list(
        Movie.objects.filter(details_synced_at__isnull=True)
        .order_by("-popularity")
        .values_list("tmdb_id", flat=True)[:limit]
    )
    if len(stale) < limit:
        stale += list(
            Movie.objects.filter(details_synced_at__lt=cutoff)
            .order_by("details_synced_at")
            .values_list("tmdb_id", flat=True)[: limit - len(stale)]
        )
    refreshed = 0
    for tmdb_id in stale:
        try:
            movie_details_sync(client=client, tmdb_id=tmdb_id)
            refreshed += 1
        except TmdbNotFound:
            # Gone from TMDb (or a demo row TMDb does not know): stamp it so we do not ask every run.
            Movie.objects.filter(tmdb_id=tmdb_id).update(details_synced_at=timezone.now())
    if refreshed:
        catalog_bulk_changed()
    return refreshed


# --- The whole sync -------------------------------------------------------------------------------


@dataclass
class SyncSummary:
    genres: int = 0
    lists: dict[str, int] = field(default_factory=dict)
    details: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    movies_total: int = 0
    notices: list[str] = field(default_factory=list)  # what followed the change, e.g. a rebuild not queued

    @property
    def ok(self) -> bool:
        return not self.errors


def tmdb_sync(
    *,
    lists: Iterable[str] = SYNC_LISTS,
    pages: int = 1,
    details: bool = False,
    client: TmdbClient | None = None,
    progress: Callable[[str, str], None] | None = None,
) -> SyncSummary:
    """Mirror genres, configuration, the named lists and optionally the details of the listed movies.

    Each list is its own unit: a failing list is reported in `errors` and the others still sync.
    Raises TmdbNotConfigured when there is no key (never calls TMDb without one).
    """
    lists = list(lists)
    unknown = [name for name in lists if name not in SYNC_LISTS]
    if unknown:
        raise ValueError(f"unknown list(s): {', '.join(unknown)}; choose from {', '.join(SYNC_LISTS)}")
    client = client or TmdbClient.for_background()
    if not client.configured:
        raise TmdbNotConfigured("TMDb is not configured (set TMDB_READ_ACCESS_TOKEN or TMDB_API_KEY).")
    report = progress or (lambda step, message: None)
    summary = SyncSummary()
    summary.genres = genres_sync(client=client)
    report("genres", f"{summary.genres} genres")
    try:
        configuration_sync(client=client)
    except TmdbError as exc:
        summary.errors["configuration"] = str(exc)
    for name in lists:
        try:
            summary.lists[name] = movie_list_sync(client=client, name=name, pages=pages)
            report(name, f"{summary.lists[name]} movies")
        except TmdbError as exc:
            summary.errors[name] = str(exc)
            report(name, f"failed: {exc}")
    if details:
        ids = list(
            MovieListEntry.objects.filter(category__in=lists)
            .values_list("movie__tmdb_id", flat=True)
            .distinct()
            .order_by("movie__tmdb_id")
        )
        for index, tmdb_id in enumerate(ids, start=1):
            try:
                movie_details_sync(client=client, tmdb_id=tmdb_id)
                summary.details += 1
            except TmdbNotFound:
                continue
            except TmdbError as exc:
                summary.errors[f"details:{tmdb_id}"] = str(exc)
            if index % 20 == 0 or index == len(ids):
                report("details", f"{index}/{len(ids)}")
    summary.movies_total = Movie.objects.count()
    catalog_bulk_changed(notify=summary.notices.append)
    return summary


# --- TMDb-backed result lists (trending, search, recommendations) ---------------------------------

TMDB_PAGE_SIZE = 20


class TmdbResults:
    """A lazily fetched TMDb result list that the default paginator can page through like a queryset.

    `fetch(page)` asks TMDb for one of its 20-item pages. Each TMDb page is read through the cache
    (stampede-safe, stale-if-error); on a real fetch its movies are upserted into the mirror, and the
    cache keeps only their ids, so a hit costs one query for the movies (plus one for their genres).
    `stale` is set when any page came from a stale copy.
    """

    def __init__(self, *, family: str, key_parts: tuple, fetch: Callable[[int], dict], visible, ttl: int):
        self.family = family
        self.key_parts = key_parts
        self.fetch = fetch
        self.visible = visible
        self.ttl = ttl
        self.stale = False
        self._pages: dict[int, dict] = {}

    def _page(self, page: int) -> dict:
        if page not in self._pages:

            def produce() -> dict:
                body = self.fetch(page)
                if not isinstance(body.get("results"), list):  # garbage is not an empty answer
                    raise TmdbUnavailable(f"TMDb {self.family} answered without a results list.")
                items = [r for r in body["results"] if isinstance(r, dict) and isinstance(r.get("id"), int)]
                movies_upsert_from_tmdb(items=items)
                total = body.get("total_results")
                total = total if isinstance(total, int) and total > 0 else len(items)
                return {"ids": [r["id"] for r in items], "total": min(total, MAX_PAGE * TMDB_PAGE_SIZE)}

            key = movie_cache.make_key(self.family, *self.key_parts, page)
            result = movie_cache.read_through(key, produce, family=self.family, ttl=self.ttl)
            self.stale = self.stale or result.stale
            self._pages[page] = result.value
        return self._pages[page]

    def count(self) -> int:
        return self._page(1)["total"]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("TmdbResults supports slices only")
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        ids: list[int] = []
        for page in range(start // TMDB_PAGE_SIZE + 1, (max(stop, 1) - 1) // TMDB_PAGE_SIZE + 2):
            if page > MAX_PAGE:
                break
            chunk = self._page(page)["ids"]
            offset = (page - 1) * TMDB_PAGE_SIZE
            ids += [tmdb_id for i, tmdb_id in enumerate(chunk, start=offset) if start <= i < stop]
        movies = {m.tmdb_id: m for m in self.visible.filter(tmdb_id__in=ids).prefetch_related("genres")}
        return [movies[tmdb_id] for tmdb_id in ids if tmdb_id in movies]


def movies_trending_tmdb(*, window: str, visible) -> TmdbResults:
    client = TmdbClient.for_request()
    return TmdbResults(
        family="trending",
        key_parts=(window,),
        fetch=lambda page: client.trending(window=window, page=page),
        visible=visible,
        ttl=settings.CACHE_TTL_LISTS,
    )


def movies_search_tmdb(*, query: str, year: int | None, visible) -> TmdbResults:
    client = TmdbClient.for_request()
    return TmdbResults(
        family="search",
        key_parts=(query.strip().lower(), year or ""),
        fetch=lambda page: client.search_movies(query=query, year=year, page=page),
        visible=visible,
        ttl=settings.CACHE_TTL_SEARCH,
    )


def movie_recommendations_tmdb(*, tmdb_id: int, visible) -> TmdbResults:
    client = TmdbClient.for_request()
    return TmdbResults(
        family="recommendations",
        key_parts=(tmdb_id,),
        fetch=lambda page: client.movie_recommendations(tmdb_id=tmdb_id, page=page),
        visible=visible,
        ttl=settings.CACHE_TTL_DETAILS,
    )
