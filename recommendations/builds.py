"""The recommendation index's life: builds (in workers, one at a time under a lock that dies with its holder),
and the pointer to the current build that requests follow.

A build reads the database (`_snapshot_from_database`), computes the engine's index
(`engine.index.build_index`: full, or incremental when `_build_plan` allows it) and writes it as one row per
movie (`index_rows.rows_write`); the build becomes current in the same transaction, so the previous build
serves until the commit. An incremental build rewrites, in place and in one transaction, only the rows that
differ from the current build's (`index_rows.rows_update`) and gives the build a new version.

Requests never build: with no current build, or a stale one, they queue a rebuild
(`tasks.recommendation_index_rebuild_queue`; a worker runs it, or the request's own process when Celery is
eager, as in development without a broker) and answer meanwhile from what there is (the popularity prior when
nothing is built yet).

Freshness: a build records the catalog version it was built from (movie count + newest updated_at).
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import time
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from recommendations import index_rows, selectors
from recommendations.engine import collaborative, content, taste
from recommendations.engine.index import FORMAT as INDEX_FORMAT
from recommendations.engine.index import CatalogArrays, EngineIndex, build_index, genre_picks
from recommendations.models import RecommendationIndex
from recommendations.signals import index_stale

logger = logging.getLogger(__name__)

CURRENT_KEY = "rec:index:v2:current"
CATALOG_KEY = "rec:catalog:v1:version"
LOCK_KEY = "rec:index:v1:lock"
QUEUED_KEY = "rec:index:v2:queued"
# pg_try_advisory_lock's key: one number for "the recommendation index build", the same in every process.
LOCK_ID = zlib.crc32(b"recommendations.index.build")
KEEP_BUILDS = 2


@dataclass(frozen=True)
class CurrentBuild:
    """What a request needs to know of the current build (cached briefly in every process's cache)."""

    id: int
    version: str
    catalog_version: str

    def row(self) -> RecommendationIndex:
        return RecommendationIndex(pk=self.id, version=self.version, catalog_version=self.catalog_version)


def catalog_version(*, fresh: bool = False) -> str:
    """The current catalog version, cached for RECOMMENDATIONS_CATALOG_CHECK_SECONDS."""
    if not fresh:
        cached = cache.get(CATALOG_KEY)
        if cached is not None:
            return cached
    version = selectors.catalog_version()
    cache.set(CATALOG_KEY, version, settings.RECOMMENDATIONS_CATALOG_CHECK_SECONDS)
    return version


@contextmanager
def build_lock() -> Iterator[bool]:
    """Yields whether this process may build now: one build at a time across every process.

    On PostgreSQL a session advisory lock on a connection of its own: it dies with its holder (a killed
    worker's connection closes and the lock with it), whatever the build's own transactions do. Elsewhere
    (SQLite: development and tests) a cache key that expires after RECOMMENDATIONS_BUILD_LOCK_SECONDS.
    """
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        lock_connection = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with lock_connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_ID])
                held = bool(cursor.fetchone()[0])
            yield held
        finally:
            lock_connection.close()  # ends the session: releases the lock
        return
    # django-redis answers None, not False, when Redis is down: no one can hold the lock then, so build.
    if cache.add(LOCK_KEY, "1", settings.RECOMMENDATIONS_BUILD_LOCK_SECONDS) is False:
        yield False
        return
    try:
        yield True
    finally:
        cache.delete(LOCK_KEY)


def recommendation_index_build(*, force: bool = True, interactions: bool = False) -> RecommendationIndex | None:
    """Build the index from the database, write its rows and make it the current build (workers and commands).

    force=True: a full build, always (the command). force=False: nothing to do (returns the current row) when
    the current build matches the catalog, unless `interactions` asks for the users' newest interactions
    (the periodic job: co-occurrence and transition lists are recounted); otherwise an incremental build when
    `_build_plan` allows one (with the catalog unchanged, every content list is kept), else a full build.
    Holds `build_lock` so two processes never build at once; returns None when another build is running.
    """
    with build_lock() as held:
        if not held:
            return None
        version = catalog_version(fresh=True)
        current = RecommendationIndex.objects.filter(current=True).first()
        if not force and not interactions and current is not None and current.catalog_version == version:
            _publish(current)
            return current
        started = time.perf_counter()
        now = timezone.now()
        snapshot = _snapshot_from_database()
        plan = _build_plan(previous=current, snapshot=snapshot, force=force, now=now)
        k = settings.RECOMMENDATIONS_NEIGHBOURS
        features = _content_features(snapshot.catalog, plan)
        index = build_index(
            snapshot.catalog,
            features=features.matrix,
            positives=snapshot.positives,
            events=snapshot.events,
            previous=plan.previous,  # None for a full build
            changed_tmdb_ids=plan.edited,
            k=k,
            exact_max=settings.RECOMMENDATIONS_EXACT_NEIGHBOURS_MAX,
        )
        incremental = plan.kind == RecommendationIndex.Kind.INCREMENTAL
        fields = {
            "version": uuid.uuid4().hex,
            "catalog_version": version,
            "kind": plan.kind,
            "catalog_updated_at": snapshot.updated_at,
            "changed_movies": plan.changed if incremental else 0,
            "changed_since_full": current.changed_since_full + plan.changed if incremental else 0,
            "full_built_at": current.full_built_at if incremental else now,
            "movie_count": index.size,
            "interaction_count": snapshot.interactions,
            "meta": {**index.meta, "format": INDEX_FORMAT},
        }
        # One transaction: the rows and the build's new version (or a new build and the switch of `current`)
        # are seen together or not at all; readers see the previous state until the commit.
        with transaction.atomic():
            if incremental:
                # Cost proportional to the change: only the rows that differ are written, in place.
                written, stored = index_rows.rows_update(current, plan.previous, index)
                row = current
                for name, value in fields.items():
                    setattr(row, name, value)
            else:
                row = RecommendationIndex.objects.create(**fields)
                written, stored = index_rows.rows_write(row, index), index
            # For the next incremental build: what is stored, as arrays, and the features with their model.
            index_rows.artifact_write(row, "index", stored.to_bytes())
            index_rows.artifact_write(row, "features", features.to_bytes())
            index_rows.genres_write(row, genre_picks(snapshot.catalog, limit=settings.RECOMMENDATIONS_GENRE_LIST_SIZE))
            row.build_seconds = time.perf_counter() - started
            row.rows_written = written
            row.save()
            if not incremental:
                index_rows.build_switch(row, keep=KEEP_BUILDS)
        index_rows.tables_tidy()
        _publish(row)
        logger.info(
            "recommendation index %s built (%s): %d movies, %d interactions, %d rows written, %.1fs",
            row.version[:8],
            f"incremental, {plan.changed} changed since the previous build" if incremental else f"full: {plan.reason}",
            row.movie_count,
            row.interaction_count,
            written,
            row.build_seconds,
        )
        return row


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
    features: content.ContentFeatures | None = None  # the previous build's, when it stored them


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
    meta = previous.meta or {}
    k = settings.RECOMMENDATIONS_NEIGHBOURS
    if meta.get("format") != INDEX_FORMAT or meta.get("k") != k:
        return full(f"the previous index has format {meta.get('format')} and k {meta.get('k')}")
    # A worker's build: the one place the whole index is read, as the arrays the build stored with its rows
    # (a build from before artifacts existed: from its rows, slowly).
    payload = index_rows.artifact_read(previous, "index")
    if payload is not None:
        old = EngineIndex.from_bytes(payload, version=previous.version, catalog_version=previous.catalog_version)
    else:
        old = index_rows.whole_index(previous)
    stored_features = index_rows.artifact_read(previous, "features")
    tmdb_ids = snapshot.catalog.tmdb_ids
    edited = tmdb_ids[np.array([at > previous.catalog_updated_at for at in snapshot.movie_updated_at], dtype=bool)]
    new = np.setdiff1d(tmdb_ids, old.tmdb_ids)
    removed = np.setdiff1d(old.tmdb_ids, tmdb_ids)
    changed = len(np.union1d(edited, new)) + len(removed)
    since_full = previous.changed_since_full + changed
    share = settings.RECOMMENDATIONS_INCREMENTAL_MAX_SHARE
    if since_full > share * len(tmdb_ids):
        return full(f"{since_full} of {len(tmdb_ids)} movies changed since the last full build (> {share:.0%})")
    features = content.ContentFeatures.from_bytes(stored_features) if stored_features is not None else None
    return _BuildPlan(
        RecommendationIndex.Kind.INCREMENTAL, previous=old, edited=edited, changed=changed, features=features
    )


def _content_features(catalog: CatalogArrays, plan: _BuildPlan) -> content.ContentFeatures:
    """The catalog's content features: fitted on the whole catalog for a full build; for an incremental one,
    the previous build's rows with fresh ones for new and edited movies only, made with its fitted model (no
    refit: cost proportional to the change; words new since the full build count from the next one)."""
    if plan.kind == RecommendationIndex.Kind.INCREMENTAL and plan.features is not None:
        redo = np.flatnonzero(np.isin(catalog.tmdb_ids, plan.edited))
        matrix = plan.features.rows_for(catalog.tmdb_ids, catalog.docs, redo)
        return content.ContentFeatures(catalog.tmdb_ids, matrix, plan.features.model)
    matrix, model = content.fit_features(catalog.docs)
    return content.ContentFeatures(catalog.tmdb_ids, matrix, model)


def current_build() -> CurrentBuild | None:
    """The build requests read, or None when there is none yet. Never builds.

    A missing or stale build queues a rebuild (at most once per RECOMMENDATIONS_CATALOG_CHECK_SECONDS); the
    current build (or None) answers meanwhile. With Celery eager the queued build has run when this returns.
    """
    info = cache.get(CURRENT_KEY)
    if info is None:
        info = _newest()
        if info is not None:
            _remember(info)
    if info is None or info["catalog_version"] != catalog_version():
        newest = _newest()  # another process may have rebuilt it already
        if newest is not None and newest["catalog_version"] == catalog_version():
            info = newest
            _remember(info)
        elif cache.add(QUEUED_KEY, "1", settings.RECOMMENDATIONS_CATALOG_CHECK_SECONDS) is not False:
            # Queued by the receiver (apps.ready). A broker outage is logged there and the previous build is
            # served; a later request tries again.
            index_stale.send(sender=RecommendationIndex)
            info = cache.get(CURRENT_KEY) or _newest() or info
    return CurrentBuild(**info) if info is not None else None


def _publish(row: RecommendationIndex) -> None:
    cache.delete(QUEUED_KEY)
    _remember({"id": row.pk, "version": row.version, "catalog_version": row.catalog_version})


def _remember(info: dict) -> None:
    # Short-lived, so every process (each with its own local-memory cache when there is no Redis) re-reads the
    # current row soon after another process built one.
    cache.set(CURRENT_KEY, info, settings.RECOMMENDATIONS_CATALOG_CHECK_SECONDS)


def _newest() -> dict | None:
    return RecommendationIndex.objects.filter(current=True).values("id", "version", "catalog_version").first()


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
