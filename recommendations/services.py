"""Recommendation services: the shared index (build, staleness, lock), similar movies, genre picks, the
personalized list, and two helpers for other features (`user_taste_scores`, `popular_fallback`).

The index is built from the database into `engine.index.EngineIndex` and stored as one blob row
(RecommendationIndex); each process keeps the current one in memory while its version is current, so a
request is an array lookup plus one query for the movies it shows.

Freshness: the index records the catalog version it was built from (movie count + newest updated_at).
The catalog commands call `tasks.rebuild_recommendation_index` after loading or syncing; independently,
a request that finds no index builds it under a cache lock (others wait for it), and a request that finds
a stale one queues a rebuild (run in-process when Celery is eager) and is served the previous index meanwhile.
Such a rebuild is incremental when few movies changed (only their content neighbours are recomputed, see
`_build_plan`); so is the periodic job that recounts interactions. The build command builds in full.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from movie_backend.exceptions import ServiceUnavailable
from movies import filters
from movies.models import Genre, Movie
from movies.selectors import genre_resolve, movies_visible_to
from movies.services import MovieNotFound
from recommendations import selectors
from recommendations.engine import collaborative, content, personalized, priors, taste
from recommendations.engine.index import FORMAT as INDEX_FORMAT
from recommendations.engine.index import CatalogArrays, EngineIndex, build_index, payload_meta
from recommendations.models import EvaluationRun, RecommendationIndex, RecommendationLog

logger = logging.getLogger(__name__)

CURRENT_KEY = "rec:index:v1:current"
CATALOG_KEY = "rec:catalog:v1:version"
LOCK_KEY = "rec:index:v1:lock"
STATS_KEY = "rec:catalog:v1:stats:{version}"
USER_KEY = "rec:user:v2:{user}:{taste}:{index}"
KEEP_BUILDS = 2
# The blend's defaults are the ones chosen on the MovieLens validation split (docs/eval/recommendations.md).
BLEND = personalized.Blend()

_memo_lock = threading.Lock()
_memo: EngineIndex | None = None


@dataclass(frozen=True)
class Recommendation:
    tmdb_id: int
    score: float
    reason: str


# --- the index ------------------------------------------------------------------------------------


def catalog_version(*, fresh: bool = False) -> str:
    """The current catalog version, cached for RECOMMENDATIONS_CATALOG_CHECK_SECONDS."""
    if not fresh:
        cached = cache.get(CATALOG_KEY)
        if cached is not None:
            return cached
    version = selectors.catalog_version()
    cache.set(CATALOG_KEY, version, settings.RECOMMENDATIONS_CATALOG_CHECK_SECONDS)
    return version


def recommendation_index_build(*, force: bool = True, interactions: bool = False) -> RecommendationIndex | None:
    """Build the index from the database and store it as the current one.

    force=True: a full build, always (the command). force=False: nothing to do (returns the current row) when
    the current index matches the catalog, unless `interactions` asks for the users' newest interactions
    (the periodic job: co-occurrence and transition lists are recounted); otherwise an incremental build when
    `_build_plan` allows one (with the catalog unchanged, every content list is kept), else a full build.
    Holds a cache lock so two processes never build at once; returns None when another build is running.
    """
    # django-redis answers None, not False, when Redis is down: no one can hold the lock then, so build.
    if cache.add(LOCK_KEY, "1", settings.RECOMMENDATIONS_BUILD_LOCK_SECONDS) is False:
        return None
    try:
        version = catalog_version(fresh=True)
        current = RecommendationIndex.objects.defer("payload").first()
        if not force and not interactions and current is not None and current.catalog_version == version:
            _publish(current)
            return current
        started = time.perf_counter()
        now = timezone.now()
        snapshot = _snapshot_from_database()
        plan = _build_plan(previous=current, snapshot=snapshot, force=force, now=now)
        k = settings.RECOMMENDATIONS_NEIGHBOURS
        index = build_index(
            snapshot.catalog,
            positives=snapshot.positives,
            events=snapshot.events,
            previous=plan.previous,  # None for a full build
            changed_tmdb_ids=plan.edited,
            k=k,
        )
        payload = index.to_bytes()
        incremental = plan.kind == RecommendationIndex.Kind.INCREMENTAL
        with transaction.atomic():
            row = RecommendationIndex.objects.create(
                version=uuid.uuid4().hex,
                catalog_version=version,
                kind=plan.kind,
                catalog_updated_at=snapshot.updated_at,
                changed_movies=plan.changed if incremental else 0,
                changed_since_full=current.changed_since_full + plan.changed if incremental else 0,
                full_built_at=current.full_built_at if incremental else now,
                movie_count=index.size,
                interaction_count=snapshot.interactions,
                build_seconds=time.perf_counter() - started,
                payload=payload,
            )
            old = RecommendationIndex.objects.values_list("pk", flat=True)[KEEP_BUILDS:]
            RecommendationIndex.objects.filter(pk__in=list(old)).delete()
        _publish(row)
        logger.info(
            "recommendation index %s built (%s): %d movies, %d interactions, %.1fs, %d KiB",
            row.version[:8],
            f"incremental, {plan.changed} changed since the previous build" if incremental else f"full: {plan.reason}",
            row.movie_count,
            row.interaction_count,
            row.build_seconds,
            len(payload) // 1024,
        )
        return row
    finally:
        cache.delete(LOCK_KEY)


@dataclass
class _Snapshot:
    """The database as one build reads it."""

    catalog: CatalogArrays
    movie_updated_at: list[datetime.datetime]  # per catalog row
    updated_at: datetime.datetime | None  # the newest of them: the next build's changes come after it
    positives: sp.csr_matrix | None
    events: collaborative.Events | None
    interactions: int


@dataclass
class _BuildPlan:
    kind: str  # a RecommendationIndex.Kind
    reason: str = ""  # why a full build
    previous: EngineIndex | None = None
    edited: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # updated TMDb ids
    changed: int = 0  # new, edited and removed movies since the previous build


def _build_plan(
    *, previous: RecommendationIndex | None, snapshot: _Snapshot, force: bool, now: datetime.datetime
) -> _BuildPlan:
    """Full or incremental: the one place that decides.

    Incremental only when the previous index has this format and this k, and the movies changed since the last
    full build (this change included) are at most RECOMMENDATIONS_INCREMENTAL_MAX_SHARE of the catalog, and
    the last full build is less than RECOMMENDATIONS_FULL_BUILD_HOURS old. Kept neighbour lists carry the
    TF-IDF weights of the build that computed them, and a list that loses a neighbour stays shorter, so the
    drift grows with everything changed since the last full build, not with this change alone; the age limit
    bounds whatever the change tracking cannot see (a row committed late with an older updated_at).
    """

    def full(reason: str) -> _BuildPlan:
        return _BuildPlan(RecommendationIndex.Kind.FULL, reason)

    if force:
        return full("requested")
    if previous is None:
        return full("no previous index")
    if previous.catalog_updated_at is None or previous.full_built_at is None:
        return full("the previous index does not record what it read")
    hours = settings.RECOMMENDATIONS_FULL_BUILD_HOURS
    if now - previous.full_built_at >= datetime.timedelta(hours=hours):
        return full(f"the last full build is more than {hours}h old")
    old = _memo if _memo is not None and _memo.version == previous.version else None
    payload = b""
    if old is None:
        payload = bytes(RecommendationIndex.objects.values_list("payload", flat=True).get(pk=previous.pk))
    meta = old.meta if old is not None else payload_meta(payload)
    k = settings.RECOMMENDATIONS_NEIGHBOURS
    if meta.get("format") != INDEX_FORMAT or meta.get("k") != k:
        return full(f"the previous index has format {meta.get('format')} and k {meta.get('k')}")
    if old is None:
        old = EngineIndex.from_bytes(payload, version=previous.version, catalog_version=previous.catalog_version)
    tmdb_ids = snapshot.catalog.tmdb_ids
    edited = tmdb_ids[np.array([at > previous.catalog_updated_at for at in snapshot.movie_updated_at], dtype=bool)]
    new = np.setdiff1d(tmdb_ids, old.tmdb_ids)
    removed = np.setdiff1d(old.tmdb_ids, tmdb_ids)
    changed = len(np.union1d(edited, new)) + len(removed)
    since_full = previous.changed_since_full + changed
    share = settings.RECOMMENDATIONS_INCREMENTAL_MAX_SHARE
    if since_full > share * len(tmdb_ids):
        return full(f"{since_full} of {len(tmdb_ids)} movies changed since the last full build (> {share:.0%})")
    return _BuildPlan(RecommendationIndex.Kind.INCREMENTAL, previous=old, edited=edited, changed=changed)


def _publish(row: RecommendationIndex) -> None:
    _remember({"version": row.version, "catalog_version": row.catalog_version})


def _remember(info: dict) -> None:
    # Short-lived, so every process (each with its own local-memory cache when there is no Redis) re-reads the
    # newest row soon after another process built one.
    cache.set(CURRENT_KEY, info, settings.RECOMMENDATIONS_CATALOG_CHECK_SECONDS)


def _newest() -> dict | None:
    return RecommendationIndex.objects.values("version", "catalog_version").first()


def _snapshot_from_database() -> _Snapshot:
    rows = selectors.catalog_rows()
    movies = rows.movies
    row_of_pk = {pk: i for i, (pk, *_rest) in enumerate(movies)}
    genres: list[list[int]] = [[] for _ in movies]
    for movie_pk, genre_id in rows.genres:
        genres[row_of_pk[movie_pk]].append(genre_id)
    people: dict[str, list[list[str]]] = {"director": [[] for _ in movies], "cast": [[] for _ in movies]}
    for movie_pk, role, name in rows.people:
        people[role][row_of_pk[movie_pk]].append(name)
    keywords: list[list[str]] = [[] for _ in movies]
    for movie_pk, name in rows.keywords:
        keywords[row_of_pk[movie_pk]].append(name)
    docs = [
        content.MovieDoc(
            title=title,
            overview=overview or "",
            genres=genres[i],
            keywords=keywords[i],
            director=list(dict.fromkeys(people["director"][i])),
            cast=list(dict.fromkeys(people["cast"][i])),
            collection=collection,
        )
        for i, (_pk, _t, title, overview, collection, *_r) in enumerate(movies)
    ]
    catalog = CatalogArrays(
        tmdb_ids=np.array([m[1] for m in movies], dtype=np.int64),
        docs=docs,
        popularity=np.array([m[5] for m in movies], dtype=np.float64),
        vote_average=np.array([m[6] for m in movies], dtype=np.float64),
        vote_count=np.array([m[7] for m in movies], dtype=np.float64),
        adult=np.array([m[8] for m in movies], dtype=bool),
    )
    updated = [m[9] for m in movies]
    positives, events, count = _interactions(row_of_pk)
    return _Snapshot(catalog, updated, max(updated, default=None), positives, events, count)


def _interactions(row_of_pk: dict[int, int]):
    """Every user's interactions as the index needs them: a users x movies matrix of positive,
    recency-weighted signals (each user's newest ones, capped) for the co-occurrence, and every event in
    time order for the transitions. Returns (positives, events, number of rows read)."""
    rows = selectors.interaction_rows()
    if not rows:
        return None, None, 0
    now = timezone.now()
    users, items, weights, ages = [], [], [], []
    for user_id, movie_pk, kind, rating, at in rows:
        if movie_pk in row_of_pk:
            users.append(user_id)
            items.append(row_of_pk[movie_pk])
            weights.append(taste.signal_weight(kind, float(rating) if rating is not None else None))
            ages.append((now - at).total_seconds() / 86400.0 if at else 0.0)
    if not users:
        return None, None, len(rows)
    user_ids, user_rows = np.unique(np.array(users), return_inverse=True)
    items_arr, ages_arr, weights_arr = np.array(items), np.array(ages), np.array(weights)
    # Sorting on minus the age puts each user's oldest event first.
    events = collaborative.Events(user_rows, items_arr, -ages_arr)
    positive = weights_arr > 0
    if not positive.any():
        return None, events, len(rows)
    user_rows, items_arr, ages_arr, weights_arr = (a[positive] for a in (user_rows, items_arr, ages_arr, weights_arr))
    # Heavy users: only their newest MAX_ITEMS_PER_USER signals count (bounds the co-occurrence cost).
    order = np.lexsort((ages_arr, user_rows))
    rank_in_user = np.arange(len(order)) - np.searchsorted(user_rows[order], user_rows[order])
    keep = np.zeros(len(order), dtype=bool)
    keep[order[rank_in_user < collaborative.MAX_ITEMS_PER_USER]] = True
    values = weights_arr * taste.recency(ages_arr)
    matrix = collaborative.user_item_matrix(
        user_rows[keep], items_arr[keep], values[keep], n_users=len(user_ids), n_items=len(row_of_pk)
    )
    return matrix, events, len(rows)


def current_index() -> EngineIndex:
    """The shared index, loaded into this process once per version; built when missing, refreshed when stale."""
    info = cache.get(CURRENT_KEY)
    if info is None:
        info = _newest()
        if info is not None:
            _remember(info)
    if info is None:
        info = _build_or_wait()
    elif info["catalog_version"] != catalog_version():
        newest = _newest()  # another process may have rebuilt it already
        if newest is not None and newest["catalog_version"] == catalog_version():
            info = newest
            _remember(info)
        elif cache.get(LOCK_KEY) is None:
            # Stale: rebuild (a worker, or in-process when Celery is eager); serve the previous index meanwhile.
            # A broker outage is logged there and the previous index is served; the next request tries again.
            from recommendations.tasks import recommendation_index_rebuild_queue

            recommendation_index_rebuild_queue(force=False)
            info = cache.get(CURRENT_KEY) or info
    return _load(info["version"])


def _build_or_wait() -> dict:
    deadline = time.monotonic() + settings.RECOMMENDATIONS_BUILD_WAIT_SECONDS
    while True:
        row = recommendation_index_build(force=False)
        if row is not None:
            return {"version": row.version, "catalog_version": row.catalog_version}
        # Someone else is building: wait for their result.
        time.sleep(0.2)
        info = cache.get(CURRENT_KEY)
        if info is not None:
            return info
        if time.monotonic() > deadline:
            raise ServiceUnavailable("The recommendation index is being built. Try again shortly.", retry_after=10)


def _load(version: str) -> EngineIndex:
    global _memo
    memo = _memo
    if memo is not None and memo.version == version:
        return memo
    with _memo_lock:
        if _memo is not None and _memo.version == version:
            return _memo
        row = RecommendationIndex.objects.filter(version=version).values_list("payload", "catalog_version").first()
        if row is None:  # pruned by a newer build: forget the pointer and take the newest
            cache.delete(CURRENT_KEY)
            newest = RecommendationIndex.objects.values_list("version", "payload", "catalog_version").first()
            if newest is None:
                raise ServiceUnavailable("The recommendation index is being rebuilt. Try again shortly.")
            version, payload, catalog = newest
        else:
            payload, catalog = row
        _memo = EngineIndex.from_bytes(bytes(payload), version=version, catalog_version=catalog)
        return _memo


def _allowed(index: EngineIndex, user) -> np.ndarray | None:
    if user is not None and user.is_authenticated and user.is_adult:
        return None
    return ~index.adult


def _allowed_by(index: EngineIndex, user, params: dict | None) -> np.ndarray | None:
    """`_allowed`, narrowed to the movies matching discover filters when there are any."""
    allowed = _allowed(index, user)
    if not params:
        return allowed
    matching = np.isin(
        index.tmdb_ids, np.asarray(selectors.tmdb_ids_matching(user=user, params=params), dtype=np.int64)
    )
    return matching if allowed is None else allowed & matching


# --- similar movies -------------------------------------------------------------------------------


def similar_movies(*, tmdb_id: int, user) -> tuple[Movie, list[Recommendation]]:
    """The movie's content neighbours (never itself), best first, without reasons (see `similar_reasons`).

    Raises MovieNotFound for an unknown (or, for this user, age-gated) movie.
    """
    movie = (
        movies_visible_to(user=user)
        .filter(tmdb_id=tmdb_id)
        .select_related("collection")
        .prefetch_related("genres")
        .first()
    )
    if movie is None:
        raise MovieNotFound()
    index = current_index()
    row = index.position.get(int(tmdb_id))
    if row is None:
        return movie, []
    cols, scores = personalized.similar(
        index, row, limit=settings.RECOMMENDATIONS_NEIGHBOURS, allowed=_allowed(index, user)
    )
    return movie, [
        Recommendation(int(index.tmdb_ids[c]), round(float(s), 4), "") for c, s in zip(cols, scores, strict=True)
    ]


def similar_reason(source: Movie, other: Movie) -> str:
    """What the two movies share, e.g. "same director Christopher Nolan; shares Science Fiction, Thriller"."""
    parts = []
    shared_directors = [d for d in content.split_names(other.director) if d in content.split_names(source.director)]
    if shared_directors:
        parts.append("same director " + ", ".join(shared_directors))
    source_genres = {g.tmdb_id for g in source.genres.all()}
    genres = [g.name for g in other.genres.all() if g.tmdb_id in source_genres]
    if genres:
        parts.append("shares " + ", ".join(genres[:3]))
    source_keywords = {k.lower() for k in _names(source.keywords)}
    keywords = [k for k in _names(other.keywords) if k.lower() in source_keywords]
    if keywords:
        parts.append("keywords " + ", ".join(keywords[:3]))
    source_cast = set(_names(source.cast)[: content.TOP_CAST])
    cast = [c for c in _names(other.cast)[: content.TOP_CAST] if c in source_cast]
    if cast:
        parts.append("also starring " + ", ".join(cast[:2]))
    source_words = _title_words(source.title)
    if source.collection_id is not None and other.collection_id == source.collection_id:
        parts.insert(0, f"same collection: {source.collection.name}")
    elif source_words and len(source_words & _title_words(other.title)) >= max(1, len(source_words) // 2):
        parts.insert(0, f"same series as {source.title}")
    return "; ".join(parts) or "similar themes"


def _names(values) -> list[str]:
    return [v.get("name", "") if isinstance(v, dict) else str(v) for v in (values or [])]


_STOP = {"the", "a", "an", "of", "and", "in", "on", "to", "part", "ii", "iii", "2", "3", "4"}


def _title_words(title: str) -> set[str]:
    return {w for w in "".join(c.lower() if c.isalnum() else " " for c in title).split() if w not in _STOP}


# --- genre picks ----------------------------------------------------------------------------------


def genre_best_movies(*, genre: str, user):
    """The best movies of a genre (by id or name), as an annotated queryset; GenreNotFound when unknown."""
    found = genre_resolve(genre)
    if found is None:
        raise selectors.GenreNotFound(f"No genre with id or name {genre.strip()!r}.")
    stats = catalog_stats()
    return found, selectors.genre_best_movies(genre=found, user=user, **stats)


def catalog_stats() -> dict[str, float]:
    """Mean vote, the vote count that makes a rating trustworthy, and the top popularity (cached per catalog)."""
    key = STATS_KEY.format(version=catalog_version())
    stats = cache.get(key)
    if stats is None:
        values = np.array(list(Movie.objects.values_list("vote_average", "vote_count", "popularity")), dtype=float)
        if not len(values):
            values = np.zeros((1, 3))
        voted = values[:, 1] > 0
        stats = {
            "mean_vote": float(values[voted, 0].mean()) if voted.any() else 0.0,
            "min_votes": float(np.quantile(values[voted, 1], priors.VOTE_COUNT_QUANTILE)) if voted.any() else 1.0,
            "max_popularity": float(values[:, 2].max()),
        }
        cache.set(key, stats, settings.CACHE_TTL_LISTS)
    return stats


def genre_reason(movie: Movie) -> str:
    if movie.vote_count:
        return f"rated {movie.vote_average:.1f} by {movie.vote_count:,} voters"
    return "popular in this genre"


# --- personalized ---------------------------------------------------------------------------------


def personalized_recommendations(
    *, user, blend: personalized.Blend | None = None, variant_key: str = "", params: dict | None = None
) -> list[Recommendation]:
    """The user's hybrid list (up to RECOMMENDATIONS_LIST_SIZE), cached per user and taste_version.

    An experiment variant passes its own `blend` and a `variant_key` naming it (part of the cache key).
    `params` are discover filters (movies.filters.RECOMMENDATION_PARAMS, parsed): the movies they leave out
    are masked before ranking, so a filtered list is as long as an unfiltered one when enough movies match.
    """
    index = current_index()
    key = USER_KEY.format(user=user.pk, taste=user.taste_version, index=index.version)
    if variant_key:
        key = f"{key}:{variant_key}"
    if params:
        key = f"{key}:{hashlib.sha256(filters.cache_part(params).encode()).hexdigest()[:32]}"
    cached = cache.get(key)
    if cached is not None:
        return [Recommendation(*item) for item in cached]
    signals = selectors.user_taste_signals(user=user)
    profile, labels = _taste(index, signals)
    ranked = personalized.rank(
        index,
        profile,
        limit=settings.RECOMMENDATIONS_LIST_SIZE,
        blend=blend or BLEND,
        allowed=_allowed_by(index, user, params),
    )
    genre_names = _genre_names(index, ranked.reasons)
    items = [
        Recommendation(
            int(index.tmdb_ids[row]), round(float(score), 4), _reason_text(index, reason, labels, genre_names, row)
        )
        for row, score, reason in zip(ranked.rows, ranked.scores, ranked.reasons, strict=True)
    ]
    cache.set(key, [(r.tmdb_id, r.score, r.reason) for r in items], settings.CACHE_TTL_RECOMMENDATIONS)
    return items


def recommendation_log(
    *,
    user,
    kind: str,
    algorithm: str,
    query: str = "",
    movie_ids: list[int],
    request_id: str = "",
    experiment_id: int | None = None,
    variant: str = "",
) -> None:
    """One row per list served (a single INSERT); the order of `movie_ids` is the position shown."""
    RecommendationLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        kind=kind,
        algorithm=algorithm,
        source="engine",
        query=query,
        movie_ids=movie_ids,
        request_id=request_id,
        experiment_id=experiment_id,
        variant=variant,
    )


# What a reason says about the movie behind it, strongest signal first.
_VERBS = {
    "favorite": "because {title} is one of your favorites",
    "liked": "because you liked {title}",
    "rewatched": "because you watched {title} more than once",
    "rated": "because you rated {title} {rating}",
    "preferred": "because you like {title}",
    "watchlist": "because {title} is on your watchlist",
    "watched": "because you watched {title}",
}
_STRENGTH = ["favorite", "liked", "rewatched", "rated", "preferred", "watchlist", "watched"]


def _taste(index: EngineIndex, signals: selectors.TasteSignals):
    """The engine's Taste for these signals, and a label per taste row for the reasons."""
    now = timezone.now()
    items, weights, exclude = [], [], []
    recent: list[tuple[float, int]] = []  # (age in days, row) of each positive signal
    labels: dict[int, tuple[str, str, float | None]] = {}
    position = index.position
    for s in signals.signals:
        row = position.get(s.tmdb_id)
        if row is None:
            continue
        if selectors.is_hidden(s.kind):
            exclude.append(row)  # never served, and no taste signal: neither weight nor label
            continue
        age = (now - s.at).total_seconds() / 86400.0 if s.at else 0.0
        weight = taste.signal_weight(s.kind, s.rating) * float(taste.recency(age))
        items.append(row)
        weights.append(weight)
        if weight > 0:
            recent.append((age, row))
        if s.kind != "watchlist":
            exclude.append(row)
        if weight > 0 and (row not in labels or _STRENGTH.index(s.kind) < _STRENGTH.index(labels[row][0])):
            labels[row] = (s.kind, s.title, s.rating)
    titles = (
        dict(Movie.objects.filter(tmdb_id__in=signals.movies).values_list("tmdb_id", "title")) if signals.movies else {}
    )
    for tmdb_id in signals.movies:
        row = position.get(tmdb_id)
        if row is not None:
            items.append(row)
            weights.append(taste.PREFERRED_MOVIE_WEIGHT)
            exclude.append(row)
            labels.setdefault(row, ("preferred", titles.get(tmdb_id, ""), None))
    genre_cols = [index.genre_column[g] for g in signals.genres if g in index.genre_column]
    profile = personalized.Taste(
        items=np.array(items, dtype=np.int64),
        weights=np.array(weights, dtype=np.float32),
        genres=np.array(genre_cols, dtype=np.int64),
        people=index.person_columns(signals.people),
        exclude=np.array(exclude, dtype=np.int64),
        recent=_latest_first_seen(recent),
        history=len({row for _age, row in recent}),
    )
    return profile, labels


def _latest_first_seen(aged_rows: list[tuple[float, int]]) -> np.ndarray:
    """Rows oldest first, each at its newest signal (a favorite and a like of one movie count once)."""
    newest: dict[int, float] = {}
    for age, row in aged_rows:
        newest[row] = min(age, newest.get(row, age))
    return np.array(sorted(newest, key=lambda row: -newest[row]), dtype=np.int64)


def _genre_names(index: EngineIndex, reasons) -> dict[int, str]:
    ids = [int(index.genre_ids[ref]) for kind, ref in reasons if kind == personalized.GENRE]
    return dict(Genre.objects.filter(tmdb_id__in=ids).values_list("tmdb_id", "name")) if ids else {}


def _reason_text(index: EngineIndex, reason: tuple[str, int], labels, genre_names, row) -> str:
    kind, ref = reason
    if kind in (personalized.CONTENT, personalized.COLLABORATIVE, personalized.SEQUENTIAL) and ref in labels:
        label, title, rating = labels[ref]
        if kind == personalized.COLLABORATIVE:
            return f"people who liked {title} also liked this"
        if kind == personalized.SEQUENTIAL:
            return f"people often watch this after {title}"
        return _VERBS[label].format(title=title, rating=f"{rating:g}" if rating is not None else "")
    if kind == personalized.PERSON:
        name = index.people_names[ref]
        role = "directed by" if int(index.director[row]) == ref else "with"
        return f"{role} {name}, from your preferences"
    if kind == personalized.GENRE:
        name = genre_names.get(int(index.genre_ids[ref]))
        return f"matches your taste for {name}" if name else "matches your preferred genres"
    return "popular and highly rated"


# --- for other features ---------------------------------------------------------------------------


def user_taste_scores(*, user, tmdb_ids: list[int]) -> dict[int, float]:
    """How well each movie fits the user's taste, in [0, 1] (1 = the best fit among the `tmdb_ids` the
    user has not seen yet; a seen movie can score 1 too).

    The same hybrid score the personalized list uses (without diversity). The scale comes from the unseen
    movies: what people watch after the user's own latest movies is often another movie the user already
    watched, and would otherwise squash every other score. Movies the index does not know, and every movie
    for an anonymous user, score 0.0. Four queries at most.
    """
    scores = {int(t): 0.0 for t in tmdb_ids}
    if user is None or not user.is_authenticated or not scores:
        return scores
    index = current_index()
    profile, _labels = _taste(index, selectors.user_taste_signals(user=user))
    blended = personalized.blended_scores(index, profile, BLEND)
    known = {t: float(blended[index.position[t]]) for t in scores if t in index.position}
    seen = set(index.tmdb_ids[profile.exclude].tolist())
    scale = [value for t, value in known.items() if t not in seen] or list(known.values())
    low, top = min(scale, default=0.0), max(scale, default=0.0)
    span = top - low
    for t, value in known.items():
        scores[t] = round(min(max((value - low) / span, 0.0), 1.0), 4) if span > 0 else 0.0
    return scores


def popular_fallback(*, user, limit: int) -> list[Movie]:
    """Up to `limit` popular, well-rated movies the user may see and has not seen, best first.

    Each returned Movie carries `score` (the prior, 0 to 1) and `reason`; genres are prefetched.
    """
    index = current_index()
    allowed = _allowed(index, user)
    seen: set[int] = set()
    if user is not None and user.is_authenticated:
        signals = selectors.user_taste_signals(user=user)
        seen = {s.tmdb_id for s in signals.signals if s.kind != "watchlist"}
    picked: list[int] = []
    for row in index.by_prior:
        if allowed is not None and not allowed[row]:
            continue
        tmdb_id = int(index.tmdb_ids[row])
        if tmdb_id not in seen:
            picked.append(tmdb_id)
            if len(picked) >= limit:
                break
    movies = selectors.movies_in_order(user=user, tmdb_ids=picked)
    for movie in movies:
        movie.score = round(float(index.prior[index.position[movie.tmdb_id]]), 4)
        movie.reason = "popular and highly rated"
    return movies


def attach(movies: list[Movie], items: list[Recommendation]) -> list[Movie]:
    """Set `score` and `reason` on each movie from its recommendation."""
    by_id = {r.tmdb_id: r for r in items}
    for movie in movies:
        movie.score = by_id[movie.tmdb_id].score
        movie.reason = by_id[movie.tmdb_id].reason
    return movies


def evaluation_run_record(*, dataset: str, result: dict) -> EvaluationRun:
    """Store one offline evaluation (`evaluation.run.evaluate`'s result) for /api/admin/model-performance/."""
    params = result.get("params")
    return EvaluationRun.objects.create(
        dataset=dataset,
        seed=int(result["seed"]),
        seconds=float(result.get("seconds", 0.0)),
        metrics={name: dict(values) for name, values in result["results"].items()},
        details={
            **result.get("dataset", {}),
            "ease_lambda": result.get("ease_lambda"),
            "engine_params": dataclasses.asdict(params) if dataclasses.is_dataclass(params) else params,
        },
    )
