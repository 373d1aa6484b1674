"""Candidate retrieval: rank the catalog index for a parsed request (and the caller's profile, and a
popularity/quality prior), fetch the best 30 to 60 candidates, and build the prompt that would rerank them."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from movies.models import Movie
from movies.selectors import movies_visible_to
from recommendations import selectors, services
from recommendations.engine.text import name_key, tokens
from recommendations.nl.index import CatalogIndex, get_catalog_index
from recommendations.nl.parse import Intent, parse_query, theme_keywords
from recommendations.nl.vocabulary import ADULT_AVOID, KIDS_AVOID, KIDS_GENRES, LANGUAGE_NAMES, split_people
from recommendations.prompts import PromptCandidate, PromptExtensions, build_nl_messages, nl_prompt_version
from users.models import Interaction, Preference

logger = logging.getLogger(__name__)

MIN_CANDIDATES = 30
MAX_CANDIDATES = 60
# Rows whose profile score is computed (the best by query score), bounding the cost of the taste lookup.
PROFILE_POOL = 300


# --- Ranking ----------------------------------------------------------------------------------------------

W_GENRE = 3.0
W_ERA = 3.0
W_PERSON = 4.0
W_MOOD = 2.0
W_MOOD_AVOID = 1.5
W_TITLE_TOKEN = 2.0
W_OTHER_TOKEN = 1.2
W_LIKE = 4.0
W_SOFT_GENRE = 1.5
W_LANGUAGE = 3.0
W_SUBGENRE = 3.0
W_THEME = 3.0
# A comparative mood ("like X but darker") outweighs the similarity to the title it is compared with.
W_MOOD_COMPARATIVE = 5.0
W_PRIOR = 1.0
W_PROFILE = 1.0


@dataclass
class Profile:
    seen_rows: np.ndarray
    # Rows the caller marked not interested: never served, even when everything else is excluded.
    hidden_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    genre_weights: np.ndarray | None = None  # per genre column, in [-1, 1]
    people: list[str] = field(default_factory=list)
    liked_genres: list[str] = field(default_factory=list)
    top_rated: list[str] = field(default_factory=list)
    taste_scores: dict[int, float] | None = None  # tmdb_id -> score, from the engine when it offers one
    user: Any = None


@dataclass
class Ranked:
    row: int
    score: float
    reasons: list[str]


def _rows_mask(n: int, rows: Iterable[np.ndarray]) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for r in rows:
        mask[r] = True
    return mask


def _phrase_rows(index: CatalogIndex, phrase: str, n: int) -> np.ndarray:
    """Rows whose title, keywords or people contain every word of `phrase`."""
    mask = np.ones(n, dtype=bool)
    for word in tokens(phrase):
        mask &= _rows_mask(
            n, [r for r in (index.title_tokens.get(word), index.other_tokens.get(word)) if r is not None]
        )
    return mask


def rank_catalog(
    *, index: CatalogIndex, intent: Intent, profile: Profile | None, adult_ok: bool, count: int
) -> list[Ranked]:
    """The `count` best rows for the intent, best first, each with the reasons it was picked."""
    n = index.size
    if n == 0 or count <= 0:
        return []
    score = np.zeros(n, dtype=np.float64)
    base_allowed = np.ones(n, dtype=bool) if adult_ok else ~index.adult
    if profile is not None and len(profile.hidden_rows):
        base_allowed[profile.hidden_rows] = False
    allowed = base_allowed.copy()
    hard: list[np.ndarray] = []

    requested_cols = index.genre_columns(intent.genres)
    excluded_cols = [c for c in index.genre_columns(intent.exclude_genres) if c not in requested_cols]
    if excluded_cols:
        allowed &= ~index.genres[:, excluded_cols].any(axis=1)
    if intent.kids:
        kid_cols = index.genre_columns(KIDS_GENRES)
        if kid_cols:
            hard.append(index.genres[:, kid_cols].any(axis=1))
        avoid = [c for c in index.genre_columns(KIDS_AVOID) if c not in requested_cols]
        if avoid:
            allowed &= ~index.genres[:, avoid].any(axis=1)
        allowed &= ~index.adult
    elif intent.adults:
        adult_avoid = [c for c in index.genre_columns(ADULT_AVOID) if c not in requested_cols]
        if adult_avoid:
            allowed &= ~index.genres[:, adult_avoid].any(axis=1)
    people_hit = np.zeros(n, dtype=bool)
    for key in intent.people:
        rows = [index.cast.get(key), index.directors.get(key), index.writers.get(key)]
        hit = _rows_mask(n, [r for r in rows if r is not None])
        score += W_PERSON * hit
        people_hit |= hit
    if intent.people:
        hard.append(people_hit)
    if profile is not None and len(profile.seen_rows):
        allowed[profile.seen_rows] = False

    for col in requested_cols:
        score += W_GENRE * index.genres[:, col]
    if intent.year_from is not None or intent.year_to is not None:
        years = index.years.astype(np.float64)
        low = intent.year_from if intent.year_from is not None else -math.inf
        high = intent.year_to if intent.year_to is not None else math.inf
        distance = np.where(years < low, low - years, np.where(years > high, years - high, 0.0))
        era = np.where(distance == 0, W_ERA, 0.5 * W_ERA * np.clip(1 - distance / 10.0, 0, 1))
        score += np.where(index.years > 0, era, 0.0)
    # Compared with a named title ("like Amélie but darker"), the mood outweighs the likeness.
    w_mood = W_MOOD_COMPARATIVE if intent.comparative and intent.like_rows else W_MOOD
    for mood in intent.moods:
        # The mood's first genre is its core ("scary": Horror); the others count half.
        cols = index.genre_columns(mood.genres)
        if cols:
            core = index.genres[:, cols[0]] if index.genre_column(mood.genres[0]) == cols[0] else None
            other = index.genres[:, cols].any(axis=1)
            score += w_mood * (np.maximum(core, 0.5 * other) if core is not None else 0.5 * other)
        avoid = [c for c in index.genre_columns(mood.avoid) if c not in requested_cols]
        if avoid:
            score -= W_MOOD_AVOID * index.genres[:, avoid].any(axis=1)
    for code in intent.languages:
        if code in index.language_codes:
            score += W_LANGUAGE * (index.languages == index.language_codes[code])
    for col in index.genre_columns(g for g in intent.soft_genres if g not in intent.genres):
        score += W_SOFT_GENRE * index.genres[:, col]
    for phrase in intent.subgenres:
        score += W_SUBGENRE * _phrase_rows(index, phrase, n)
    for phrase in intent.themes:
        themed = _rows_mask(n, [index.keyword_rows[k] for k in theme_keywords(phrase) if k in index.keyword_rows])
        score += W_THEME * themed
        hard.append(themed)
    for word in intent.keywords:
        for table, weight in ((index.title_tokens, W_TITLE_TOKEN), (index.other_tokens, W_OTHER_TOKEN)):
            rows = table.get(word)
            if rows is not None and len(rows):
                idf = math.log(1 + n / len(rows)) / math.log(1 + n)
                score[rows] += weight * idf
    if intent.like_rows:
        # Content similarity to the named titles: genre overlap (Jaccard), shared people and keywords.
        like_genres = index.genres[intent.like_rows].any(axis=0)
        if like_genres.any():
            shared = (index.genres & like_genres).sum(axis=1)
            union = (index.genres | like_genres).sum(axis=1).clip(min=1)
            score += W_LIKE * shared / union
        bonus = np.zeros(n, dtype=np.float64)
        for key in intent.like_people:
            bonus += _rows_mask(n, [r for r in (index.cast.get(key), index.directors.get(key)) if r is not None])
        for phrase in intent.like_keywords:
            bonus += _phrase_rows(index, phrase, n)
        score += np.clip(bonus, 0, 2)
        allowed[intent.like_rows] = False

    if intent.obscure:
        prior = 0.7 * index.quality + 0.3 * (1 - index.popularity)
    elif intent.quality:
        prior = 0.3 * index.popularity + 0.7 * index.quality
    elif intent.popular:
        prior = 0.8 * index.popularity + 0.2 * index.quality
    else:
        prior = index.prior
    score += W_PRIOR * prior.astype(np.float64)
    if profile is not None and profile.genre_weights is not None and profile.taste_scores is None:
        affinity = index.genres.astype(np.float64) @ profile.genre_weights
        norm = index.genres.sum(axis=1).clip(min=1)
        score += W_PROFILE * np.clip(affinity / np.sqrt(norm), -1, 1)
    if profile is not None and profile.people:
        liked_people = [index.cast.get(k) for k in profile.people] + [index.directors.get(k) for k in profile.people]
        score += 0.5 * W_PROFILE * _rows_mask(n, [r for r in liked_people if r is not None])

    for condition in hard:
        narrowed = allowed & condition
        if narrowed.any():
            allowed = narrowed
    if not allowed.any():
        # Everything was excluded or seen: never an empty answer while the caller can see movies.
        allowed = base_allowed
    if not allowed.any():
        return []

    masked = np.where(allowed, score, -np.inf)
    pool = min(max(count, PROFILE_POOL if profile is not None else count), int(allowed.sum()))
    top = np.argpartition(-masked, pool - 1)[:pool] if pool < n else np.arange(n)
    top = top[np.isfinite(masked[top])]
    if profile is not None and profile.taste_scores:
        for row in top:
            tmdb_id = int(index.tmdb_ids[row])
            masked[row] += W_PROFILE * profile.taste_scores.get(tmdb_id, 0.0)
    order = sorted(top.tolist(), key=lambda r: (-masked[r], int(index.tmdb_ids[r])))[:count]
    return [Ranked(row=row, score=float(masked[row]), reasons=_reasons(index, intent, profile, row)) for row in order]


def _reasons(index: CatalogIndex, intent: Intent, profile: Profile | None, row: int) -> list[str]:
    parts: list[str] = []
    genres = [index.genre_names[c] for c in np.flatnonzero(index.genres[row])]
    matched = [g for g in intent.genres if g in genres]
    for key in intent.people:
        name = index.display_names.get(key, key.title())
        if key in index.directors and row in index.directors[key]:
            parts.append(f"directed by {name}")
        elif key in index.cast and row in index.cast[key]:
            parts.append(f"with {name}")
        elif key in index.writers and row in index.writers[key]:
            parts.append(f"written by {name}")
    if matched:
        parts.append(", ".join(matched))
    codes = {value: key for key, value in index.language_codes.items()}
    language = codes.get(int(index.languages[row]), "")
    if language in intent.languages:
        parts.append(f"in {LANGUAGE_NAMES.get(language, language)}")
    year = int(index.years[row])
    if (intent.year_from is not None or intent.year_to is not None) and year:
        parts.append(f"from {year}")
    for mood in intent.moods:
        if any(g in genres for g in mood.genres):
            parts.append(f"{mood.label} ({', '.join(g for g in mood.genres if g in genres)})")
    if intent.kids and any(g in genres for g in KIDS_GENRES):
        parts.append("suitable for a family audience")
    themes = [p for p in intent.themes if any(row in index.keyword_rows.get(k, ()) for k in theme_keywords(p))]
    if themes:
        parts.append("about " + ", ".join(f"“{p}”" for p in themes[:2]))
    if intent.like_rows:
        shared = set(genres) & {index.genre_names[c] for r in intent.like_rows for c in np.flatnonzero(index.genres[r])}
        if shared:
            parts.append(f"shares {', '.join(sorted(shared))} with the title you named")
    hits = [p for p in intent.subgenres if _phrase_rows(index, p, index.size)[row]]
    hits += [w for w in intent.keywords if (w in index.title_tokens and row in index.title_tokens[w])]
    hits += [w for w in intent.keywords if w in index.other_tokens and row in index.other_tokens[w] and w not in hits]
    if hits:
        parts.append("matches " + ", ".join(f"“{w}”" for w in hits[:3]))
    if profile is not None and profile.liked_genres and not parts:
        liked = [g for g in profile.liked_genres if g in genres]
        if liked:
            parts.append(f"fits your taste for {', '.join(liked[:2])}")
    if not parts:
        parts.append(", ".join(genres[:2]) + " pick" if genres else "Popular pick")
    if index.quality[row] >= 0.72:
        parts.append("highly rated")
    elif index.popularity[row] >= 0.9:
        parts.append("popular")
    text = "; ".join(parts)
    return [text[:1].upper() + text[1:] + "."]


# --- Profile ----------------------------------------------------------------------------------------------


def load_profile(*, user, index: CatalogIndex) -> Profile:
    """What the caller has seen (skipped) and what they lean to (favorites, likes, high ratings, preferences)."""
    # Seen and hidden movies are left out, however many; hidden ones are no taste signal (no weight either way).
    exclusions = selectors.exclusions_for(user=user)
    seen_pks, hidden_pks = exclusions.seen, exclusions.hidden
    weights = np.zeros(len(index.genre_names), dtype=np.float64)
    top_rated: list[str] = []
    liked_pks: list[int] = list(exclusions.favorites)
    interactions = (
        Interaction.objects.filter(user=user)
        .exclude(type__in=selectors.HIDDEN_TYPES)
        .values_list("movie_id", "type", "rating", "movie__title")
    )
    negative_pks: list[int] = []
    for movie_id, kind, rating, title in interactions[:2000]:
        if kind == Interaction.Type.LIKED or (kind == Interaction.Type.RATED and rating is not None and rating >= 4):
            liked_pks.append(movie_id)
            if kind == Interaction.Type.RATED and len(top_rated) < 5:
                top_rated.append(f"{title} ({rating}/5)")
        elif kind == Interaction.Type.DISLIKED or (
            kind == Interaction.Type.RATED and rating is not None and rating <= 2
        ):
            negative_pks.append(movie_id)
    for pk in liked_pks:
        row = index.row_of_pk.get(pk)
        if row is not None:
            weights += index.genres[row]
    for pk in negative_pks:
        row = index.row_of_pk.get(pk)
        if row is not None:
            weights -= 0.5 * index.genres[row]
    # Directors of what they liked lean the ranking too ("more Nolan").
    people: list[str] = []
    for (director,) in Movie.objects.filter(pk__in=liked_pks[:200]).exclude(director="").values_list("director"):
        people.extend(k for k in map(name_key, split_people(director)) if k and k not in people)
    preference = Preference.objects.filter(user=user).first()
    if preference is not None:
        wanted = {int(g) for g in preference.genres if isinstance(g, int | str) and str(g).isdigit()}
        for col, tmdb_id in enumerate(index.genre_ids):
            if tmdb_id in wanted:
                weights[col] += 2.0
        people = [name_key(p) for p in preference.people if isinstance(p, str) and name_key(p)] + people
    genre_weights = None
    if np.abs(weights).max(initial=0) > 0:
        genre_weights = weights / np.abs(weights).max()
    liked_genres = [index.genre_names[c] for c in np.argsort(-weights)[:3] if weights[c] > 0]
    seen_rows = np.asarray([index.row_of_pk[pk] for pk in seen_pks if pk in index.row_of_pk], dtype=np.int64)
    hidden_rows = np.asarray([index.row_of_pk[pk] for pk in hidden_pks if pk in index.row_of_pk], dtype=np.int64)
    return Profile(
        seen_rows=seen_rows,
        hidden_rows=hidden_rows,
        genre_weights=genre_weights,
        people=people[:20],
        liked_genres=liked_genres,
        top_rated=top_rated,
        user=user,
    )


def _engine_taste_scores(*, user, tmdb_ids: list[int]) -> dict[int, float] | None:
    """The recommendation engine's taste scores for these movies, scaled to [0, 1]; None when it has none."""
    try:
        scores = services.user_taste_scores(user=user, tmdb_ids=tmdb_ids)
    except Exception:  # the engine is optional here: its failure must not fail the request
        logger.warning("user_taste_scores failed; using the local profile", exc_info=True)
        return None
    if not scores:
        return None
    values = list(scores.values())
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return {int(k): (float(v) - low) / span for k, v in scores.items()}


def candidate_count(limit: int) -> int:
    return max(MIN_CANDIDATES, min(MAX_CANDIDATES, 3 * limit))


def _description(movie: Movie) -> str:
    if movie.overview and movie.overview.strip():
        return movie.overview
    parts = []
    if movie.director:
        parts.append(f"Directed by {movie.director}")
    cast = [c for c in (movie.cast or []) if isinstance(c, str)][:3]
    if cast:
        parts.append("starring " + ", ".join(cast))
    return "; ".join(parts) + ("." if parts else "")


def _extensions(index: CatalogIndex, intent: Intent, profile: Profile | None) -> PromptExtensions:
    eras = tuple(intent.eras)
    exclusions = list(intent.exclude_genres)
    if intent.kids:
        exclusions.append("anything unsuitable for children")
    elif intent.adults:
        exclusions.append("family and animated films (an adult audience)")
    return PromptExtensions(
        mood=tuple(m.label for m in intent.moods),
        actors=tuple(index.display_names.get(k, k.title()) for k in intent.people),
        eras=eras,
        ratings=tuple(profile.top_rated) if profile else (),
        liked_genres=tuple(profile.liked_genres) if profile else (),
        exclusions=tuple(exclusions),
    )


@dataclass
class Retrieval:
    index: CatalogIndex
    intent: Intent
    profile: Profile | None
    ranked: list[Ranked]
    movies: dict[int, Movie]  # tmdb_id -> movie, candidates only, in ranking order
    messages: list[dict[str, str]]
    prompt_version: str


def nl_retrieve(
    *, query: str, limit: int, user, index: CatalogIndex | None = None, version: str | None = None
) -> Retrieval:
    """The bounded candidate set for a request, and the prompt that would rerank it."""
    index = index or get_catalog_index()
    version = version or nl_prompt_version()
    intent = parse_query(query, index)
    if intent.like_rows:
        liked = Movie.objects.filter(pk__in=[int(index.pks[r]) for r in intent.like_rows])
        for director, cast_list, keywords in liked.values_list("director", "cast", "keywords"):
            names = split_people(director) + [c for c in (cast_list or [])[:5] if isinstance(c, str)]
            intent.like_people.extend(k for k in map(name_key, names) if k and k not in intent.like_people)
            intent.like_keywords.extend(k for k in (keywords or [])[:10] if isinstance(k, str))
    authenticated = user is not None and user.is_authenticated
    profile = load_profile(user=user, index=index) if authenticated else None
    adult_ok = bool(authenticated and user.is_adult)
    if profile is not None:
        # Ask the engine for taste scores over the best query matches only (bounded work).
        pool = rank_catalog(index=index, intent=intent, profile=None, adult_ok=adult_ok, count=PROFILE_POOL)
        engine = _engine_taste_scores(user=user, tmdb_ids=[int(index.tmdb_ids[r.row]) for r in pool])
        if engine is not None:
            profile.taste_scores = engine
    ranked = rank_catalog(index=index, intent=intent, profile=profile, adult_ok=adult_ok, count=candidate_count(limit))
    pks = [int(index.pks[r.row]) for r in ranked]
    fetched = {m.pk: m for m in movies_visible_to(user=user).filter(pk__in=pks).prefetch_related("genres")}
    movies: dict[int, Movie] = {}
    kept: list[Ranked] = []
    for item in ranked:
        movie = fetched.get(int(index.pks[item.row]))
        if movie is not None:
            movies[movie.tmdb_id] = movie
            kept.append(item)
    candidates = [
        PromptCandidate(
            tmdb_id=movie.tmdb_id,
            title=movie.title,
            year=movie.release_date.year if movie.release_date else None,
            genres=tuple(g.name for g in movie.genres.all()),
            description=_description(movie),
        )
        for movie in movies.values()
    ]
    messages = build_nl_messages(
        query=query,
        limit=limit,
        candidates=candidates,
        extensions=_extensions(index, intent, profile),
        version=version,
    )
    return Retrieval(
        index=index,
        intent=intent,
        profile=profile,
        ranked=kept,
        movies=movies,
        messages=messages,
        prompt_version=version,
    )
