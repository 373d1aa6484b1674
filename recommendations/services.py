"""Recommendation services: similar movies, genre picks, the personalized list, and two helpers for other
features (`user_taste_scores`, `popular_fallback`).

The index lives in the database, one row per movie and build (`recommendations.builds` builds it, in workers;
`recommendations.index_rows` reads it). A request reads only the rows its answer needs into a small
`engine.index.EngineIndex` and runs the engine's ranking on it; no process keeps a catalog-sized copy. With no
build yet (a fresh install before its first build finishes) the lists come from the popularity prior, and
their `reason` says so.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from movies import filters
from movies.models import Genre, Movie
from movies.selectors import genre_resolve, movies_visible_to
from movies.services import MovieNotFound
from recommendations import index_rows, selectors
from recommendations.builds import (  # noqa: F401 (the index's API, used through this module)
    CATALOG_KEY,
    CURRENT_KEY,
    KEEP_BUILDS,
    LOCK_KEY,
    build_lock,
    catalog_version,
    current_build,
    recommendation_index_build,
)
from recommendations.engine import content, personalized, priors, taste
from recommendations.engine.index import EngineIndex
from recommendations.models import EvaluationRun, RecommendationLog

STATS_KEY = "rec:catalog:v1:stats:{version}"
USER_KEY = "rec:user:v3:{user}:{taste}:{index}"
# The blend's defaults are the ones chosen on the MovieLens validation split (docs/eval/recommendations.md).
BLEND = personalized.Blend()
# Served while no build exists yet: the lists' `algorithm`, and every item's `reason`.
PRIOR_ALGORITHM = "popularity-prior-v1"
PRIOR_REASON = "popular and highly rated (personal recommendations are still being prepared)"


@dataclass(frozen=True)
class Recommendation:
    tmdb_id: int
    score: float
    reason: str
    from_prior: bool = False  # served from the popularity prior because no index is built yet


def served_algorithm(items: list[Recommendation], default: str) -> str:
    """The list's algorithm: the popularity prior's when it answered for a missing index, else `default`."""
    return PRIOR_ALGORITHM if items and items[0].from_prior else default


def _prior_list(*, user, exclude: set[int], limit: int, genres: list[int] | None = None) -> list[Recommendation]:
    """With no index yet: the most popular visible movies (in `genres` when given), scored by the prior."""
    queryset = movies_visible_to(user=user).exclude(tmdb_id__in=exclude)
    if genres:
        queryset = queryset.filter(genres__tmdb_id__in=genres).distinct()
    rows = list(
        queryset.order_by("-popularity", "-vote_count", "tmdb_id").values_list(
            "tmdb_id", "popularity", "vote_average", "vote_count"
        )[:limit]
    )
    if not rows:
        return []
    values = np.array([r[1:] for r in rows], dtype=np.float64)
    scores = priors.prior(values[:, 0], values[:, 1], values[:, 2])
    return [
        Recommendation(int(r[0]), round(float(score), 4), PRIOR_REASON, from_prior=True)
        for r, score in zip(rows, scores, strict=True)
    ]


# --- the index ------------------------------------------------------------------------------------


def _allowed(index: EngineIndex, user) -> np.ndarray | None:
    if user is not None and user.is_authenticated and user.is_adult:
        return None
    return ~index.adult


def _allowed_by(index: EngineIndex, user, params: dict | None) -> np.ndarray | None:
    """`_allowed`, narrowed to the movies matching discover filters when there are any."""
    allowed = _allowed(index, user)
    if not params:
        return allowed
    among = selectors.movies_matching(user=user, params=params).filter(tmdb_id__in=index.tmdb_ids.tolist())
    matching = np.isin(index.tmdb_ids, np.asarray(list(among.values_list("tmdb_id", flat=True)), dtype=np.int64))
    return matching if allowed is None else allowed & matching


def _adult_allowed(user) -> bool:
    return user is not None and user.is_authenticated and user.is_adult


def _candidates(
    build, user, signals: selectors.TasteSignals, *, extra=(), params: dict | None = None
) -> index_rows.Candidates:
    """The rows a ranking for this user reads: their movies, what those point at, and the best priors."""
    return index_rows.candidate_index(
        build.row(),
        seeds={s.tmdb_id for s in signals.signals} | set(signals.movies),
        extra=extra,
        genres=signals.genres,
        people=signals.people,
        matching=selectors.movies_matching(user=user, params=params) if params else None,
        adult=_adult_allowed(user),
    )


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
    build = current_build()
    if build is None:
        genres = [g.tmdb_id for g in movie.genres.all()]
        limit = settings.RECOMMENDATIONS_NEIGHBOURS
        return movie, _prior_list(user=user, exclude={movie.tmdb_id}, limit=limit, genres=genres)
    index = index_rows.similar_index(build.row(), int(tmdb_id))
    if index is None:
        return movie, []
    row = index.position[int(tmdb_id)]
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


def genre_picks(*, genre: str, user) -> tuple[Genre, list[Recommendation]]:
    """The best movies of a genre (by id or name) the caller may see, best first, at most
    RECOMMENDATIONS_GENRE_LIST_SIZE; GenreNotFound when unknown. From the current build's stored list (one row
    read), or with no build yet from the database's own ranking (the same score, computed in SQL)."""
    found = genre_resolve(genre)
    if found is None:
        raise selectors.GenreNotFound(f"No genre with id or name {genre.strip()!r}.")
    limit = settings.RECOMMENDATIONS_GENRE_LIST_SIZE
    build = current_build()
    if build is None:
        ranked = selectors.genre_best_movies(genre=found, user=user, **catalog_stats())
        best = list(ranked.values_list("tmdb_id", "score")[:limit])
    else:
        best = index_rows.genre_list(build.row(), genre=found.tmdb_id, adult=_adult_allowed(user))
    return found, [Recommendation(int(t), round(float(s), 4), "") for t, s in best]


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


# Pool rows whose lists a personalized list reads first, per served row: diversity seldom reaches further.
LISTS_AHEAD = 1.5


def personalized_recommendations(
    *, user, blend: personalized.Blend | None = None, variant_key: str = "", params: dict | None = None
) -> list[Recommendation]:
    """The user's hybrid list (up to RECOMMENDATIONS_LIST_SIZE), cached per user and taste_version.

    An experiment variant passes its own `blend` and a `variant_key` naming it (part of the cache key).
    `params` are discover filters (movies.filters.RECOMMENDATION_PARAMS, parsed): the movies they leave out
    are masked before ranking, so a filtered list is as long as an unfiltered one when enough movies match.
    """
    build = current_build()
    if build is None:
        return _prior_list(user=user, exclude=_seen(user), limit=settings.RECOMMENDATIONS_LIST_SIZE)
    key = USER_KEY.format(user=user.pk, taste=user.taste_version, index=build.version)
    if variant_key:
        key = f"{key}:{variant_key}"
    if params:
        key = f"{key}:{hashlib.sha256(filters.cache_part(params).encode()).hexdigest()[:32]}"
    cached = cache.get(key)
    if cached is not None:
        return [Recommendation(*item) for item in cached]
    signals = selectors.user_taste_signals(user=user)
    candidates = _candidates(build, user, signals, params=params)
    ranking = {"limit": settings.RECOMMENDATIONS_LIST_SIZE, "blend": blend or BLEND}
    # Score every candidate, then read the lists of the few the ranking can serve (same rows, same scores).
    profile, _labels = _taste(candidates.index, signals)
    allowed = _allowed_by(candidates.index, user, params)
    pool = personalized.candidate_pool(candidates.index, profile, allowed=allowed, **ranking)
    # The lists of the pool's best first, then of any other row the ranking served, until every served row
    # has its own: only a served row's list and director change the ranking (diversity reads the lists of
    # the rows picked; a director only caps rows), so the result is the one with every pool row read.
    index = candidates.with_lists(candidates.index.tmdb_ids[pool[: int(LISTS_AHEAD * ranking["limit"])]])
    while True:
        profile, labels = _taste(index, signals)
        ranked = personalized.rank(index, profile, allowed=allowed, **ranking)
        unread = [t for t in index.tmdb_ids[ranked.rows].tolist() if t not in candidates.complete]
        if not unread:
            break
        index = candidates.with_lists(unread)
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
    build = current_build()
    if build is None:
        return scores
    signals = selectors.user_taste_signals(user=user)
    index = _candidates(build, user, signals, extra=scores).index
    profile, _labels = _taste(index, signals)
    blended = personalized.blended_scores(index, profile, BLEND)
    known = {t: float(blended[index.position[t]]) for t in scores if t in index.position}
    seen = set(index.tmdb_ids[profile.exclude].tolist())
    scale = [value for t, value in known.items() if t not in seen] or list(known.values())
    low, top = min(scale, default=0.0), max(scale, default=0.0)
    span = top - low
    for t, value in known.items():
        scores[t] = round(min(max((value - low) / span, 0.0), 1.0), 4) if span > 0 else 0.0
    return scores


def _seen(user) -> set[int]:
    """The movies the user has seen (every signal but the watchlist): never offered as popular picks."""
    if user is None or not user.is_authenticated:
        return set()
    return {s.tmdb_id for s in selectors.user_taste_signals(user=user).signals if s.kind != "watchlist"}


def popular_fallback(*, user, limit: int) -> list[Movie]:
    """Up to `limit` popular, well-rated movies the user may see and has not seen, best first.

    Each returned Movie carries `score` (the prior, 0 to 1) and `reason`; genres are prefetched.
    """
    build = current_build()
    seen = _seen(user)
    if build is None:
        picked = _prior_list(user=user, exclude=seen, limit=limit)
        prior = {r.tmdb_id: (r.score, r.reason) for r in picked}
    else:
        best = index_rows.by_prior(build.row(), adult=_adult_allowed(user), exclude=seen, limit=limit)
        prior = {tmdb_id: (round(float(p), 4), "popular and highly rated") for tmdb_id, p in best}
    movies = selectors.movies_in_order(user=user, tmdb_ids=list(prior))
    for movie in movies:
        movie.score, movie.reason = prior[movie.tmdb_id]
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
