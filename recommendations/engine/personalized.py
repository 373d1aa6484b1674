"""Hybrid ranking: content neighbours + item-to-item co-occurrence + transitions from the user's latest
movies + saved preferences + priors, then MMR.

A taste profile is a signed weight per movie the user touched (favorites, likes, high ratings and the
watchlist push towards; dislikes and low ratings push away), the user's latest positive movies in time
order (what people went on to watch after those is a strong short-term signal), plus preferred genre and
people columns.
Every component is scaled to at most 1 and blended linearly; the blend is tuned offline on a validation
split (see recommendations/evaluation), except the saved preferences' weight, which depends on how much
history the user has (`Blend.weights`): it outweighs popularity on a cold start and shrinks as the user's
own movies come in. Diversity: maximal marginal relevance over content similarity and a cap per director
(never on a director the user saved), so one franchise or one director does not fill the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from recommendations.engine import taste as taste_weights
from recommendations.engine.index import EngineIndex

CONTENT, COLLABORATIVE, SEQUENTIAL = "content", "collaborative", "sequential"
PREFERENCES, GENRE, PERSON, POPULAR = "preferences", "genre", "person", "popular"


@dataclass(frozen=True)
class Blend:
    """Defaults: the blend chosen on the MovieLens validation split (docs/eval/recommendations.md).

    The three `preferences*` weights are not exercised by MovieLens (no saved preferences there): they are
    set for the product's rule (docs/recommendations.md, "Saved preferences and cold start").
    """

    content: float = 0.3
    collaborative: float = 0.5
    sequential: float = 0.8
    preferences: float = 0.15  # the saved preferences' weight once the user's history is long
    # With no history: 1/4 of it (the weakest match, see `_preference_match`) is above popularity's whole
    # range (0.2), so on a cold start every matching movie outranks every other one (up to diversity).
    preferences_cold: float = 1.0
    preferences_half: float = 3.0  # positive history movies at which the weight is half way from cold to long-run
    popularity: float = 0.2
    diversity: float = 0.05  # MMR trade-off: relevance - diversity * max similarity to what is already picked
    max_per_director: int = 2
    candidates_factor: int = 5

    def weights(self, *, history: int) -> dict[str, float]:
        """Each component's weight for a user with `history` movies of their own: the one weighting.

        The preferences' weight shrinks from `preferences_cold` towards `preferences` as h / (h + half).
        """
        half = self.preferences_half
        cold_share = half / (history + half) if half > 0 else 0.0
        return {
            CONTENT: self.content,
            COLLABORATIVE: self.collaborative,
            SEQUENTIAL: self.sequential,
            PREFERENCES: self.preferences + (self.preferences_cold - self.preferences) * cold_share,
            POPULAR: self.popularity,
        }


@dataclass
class Taste:
    items: np.ndarray  # rows of the index
    weights: np.ndarray  # signed weight per row (duplicates are summed)
    genres: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # genre columns
    people: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # people columns
    exclude: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # rows never served
    recent: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # latest positives, oldest first
    # Movies with a positive signal from the user's own history (saved movies are preferences, not history).
    history: int = 0

    def compact(self) -> Taste:
        if not len(self.items):
            return self
        rows, inverse = np.unique(np.asarray(self.items, dtype=np.int64), return_inverse=True)
        weights = np.bincount(inverse, weights=np.asarray(self.weights, dtype=np.float64)).astype(np.float32)
        keep = weights != 0
        return Taste(rows[keep], weights[keep], self.genres, self.people, self.exclude, self.recent, self.history)

    def recent_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """The latest RECENT_SIGNALS positive rows and their weights (the newest 1, each step back x RECENT_DECAY)."""
        rows = np.asarray(self.recent, dtype=np.int64)[-taste_weights.RECENT_SIGNALS :]
        weights = np.power(taste_weights.RECENT_DECAY, np.arange(len(rows))[::-1]).astype(np.float32)
        return rows, weights


@dataclass
class Ranked:
    rows: np.ndarray
    scores: np.ndarray
    reasons: list[tuple[str, int]]  # (component, reference: a taste row, genre column or people column; -1)


def _scaled(vector: np.ndarray) -> tuple[np.ndarray, float]:
    top = float(np.max(vector)) if vector.size else 0.0
    return (vector / top, top) if top > 0 else (vector, 0.0)


def components(index: EngineIndex, taste: Taste) -> dict[str, np.ndarray]:
    """Each component as a float32[n] vector scaled to a maximum of 1 (all zeros when it has no signal)."""
    n = index.size
    out: dict[str, np.ndarray] = {}
    if len(taste.items):
        w = np.asarray(taste.weights, dtype=np.float32)
        out[CONTENT] = _scaled(np.asarray(index.content[taste.items].T @ w).ravel())[0]
        out[COLLABORATIVE] = _scaled(np.asarray(index.cooc[taste.items].T @ w).ravel())[0]
    else:
        out[CONTENT] = out[COLLABORATIVE] = np.zeros(n, dtype=np.float32)
    recent, decay = taste.recent_weights()
    if len(recent):
        out[SEQUENTIAL] = _scaled(np.asarray(index.transitions[recent].T @ decay).ravel())[0]
    else:
        out[SEQUENTIAL] = np.zeros(n, dtype=np.float32)
    out[PREFERENCES] = _preference_match(index, taste)
    out[POPULAR] = index.prior.astype(np.float32)
    return out


def _preference_match(index: EngineIndex, taste: Taste) -> np.ndarray:
    """How well each movie matches the saved genres and people: 0 for no match, at least 1/4 for any match.

    A movie with any saved genre scores 1/2 plus 1/2 x the share of saved genres it has; one with a saved
    person (director or top-billed cast) scores 1. Both add up, scaled so the best movie scores 1; so with
    genres and people saved, a movie with just one of the genres still scores 1/4 or more.
    """
    prefs = np.zeros(index.size, dtype=np.float32)
    if len(taste.genres):
        matched = np.asarray(index.genres[:, taste.genres].sum(axis=1)).ravel()
        prefs += np.where(matched > 0, 0.5 + 0.5 * matched / len(taste.genres), 0.0).astype(np.float32)
    if len(taste.people):
        prefs += np.minimum(np.asarray(index.people[:, taste.people].sum(axis=1)).ravel(), 1.0)
    return _scaled(prefs)[0]


def blended_scores(index: EngineIndex, taste: Taste, blend: Blend = Blend()) -> np.ndarray:  # noqa: B008
    """The hybrid score of every movie (float32[n]); no exclusions, no diversity."""
    taste = taste.compact()
    return sum(_weighted(components(index, taste), blend, taste).values()).astype(np.float32)


def _weighted(parts: dict[str, np.ndarray], blend: Blend, taste: Taste) -> dict[str, np.ndarray]:
    """Each component times its weight for this user's history."""
    weights = blend.weights(history=taste.history)
    return {name: weights[name] * vector for name, vector in parts.items()}


def rank(
    index: EngineIndex,
    taste: Taste,
    *,
    limit: int,
    blend: Blend = Blend(),  # noqa: B008
    allowed: np.ndarray | None = None,
) -> Ranked:
    """The top `limit` movies for this taste, diverse, each with the component that put it there."""
    taste = taste.compact()
    weighted, total, candidates, limit = _pool(index, taste, limit=limit, blend=blend, allowed=allowed)
    if limit <= 0:
        return Ranked(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), [])
    rows = _diversify(index, candidates, total[candidates], limit=limit, blend=blend, uncapped=taste.people)
    scores = total[rows]
    return Ranked(rows, scores, _reasons(index, taste, rows, weighted, blend))


def candidate_pool(
    index: EngineIndex,
    taste: Taste,
    *,
    limit: int,
    blend: Blend = Blend(),  # noqa: B008
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """The rows `rank` chooses its `limit` from (best first): the only ones whose content lists, director,
    genres and people it reads beyond the taste's own rows."""
    return _pool(index, taste.compact(), limit=limit, blend=blend, allowed=allowed)[2]


def _pool(index: EngineIndex, taste: Taste, *, limit: int, blend: Blend, allowed: np.ndarray | None):
    """(weighted components, total score, candidate rows best first, the achievable limit)."""
    weighted = _weighted(components(index, taste), blend, taste)
    total = sum(weighted.values()).astype(np.float32)
    total[np.asarray(taste.exclude, dtype=np.int64)] = -np.inf
    if allowed is not None:
        total[~allowed] = -np.inf
    available = int(np.isfinite(total).sum())
    limit = min(limit, available)
    if limit <= 0:
        return weighted, total, np.zeros(0, dtype=np.int64), limit
    m = min(available, max(limit * blend.candidates_factor, limit))
    candidates = np.argpartition(-total, m - 1)[:m]
    candidates = candidates[np.argsort(-total[candidates], kind="stable")]
    return weighted, total, candidates, limit


def _diversify(
    index: EngineIndex,
    candidates: np.ndarray,
    relevance: np.ndarray,
    *,
    limit: int,
    blend: Blend,
    uncapped: np.ndarray,
):
    """Greedy MMR over the candidates with a per-director cap (relaxed if it would leave the list short).

    Directors in `uncapped` (people columns the user saved) are never capped: they are what was asked for.
    """
    if blend.diversity <= 0 and blend.max_per_director <= 0:
        return candidates[:limit]
    slot = np.full(index.size, -1, dtype=np.int64)  # each candidate's place in `candidates`, -1 elsewhere
    slot[candidates] = np.arange(len(candidates))
    max_sim = np.zeros(len(candidates), dtype=np.float32)
    taken = np.zeros(len(candidates), dtype=bool)
    directors = np.where(np.isin(index.director[candidates], uncapped), -1, index.director[candidates])
    # Each candidate's director as a small id (-1: none, or not capped), and the picks per director so far.
    _unique, director_id = np.unique(directors, return_inverse=True)
    director_id = np.where(directors >= 0, director_id, -1)
    per_director = np.zeros(len(_unique) + 1, dtype=np.int64)  # the last slot counts "no director": never capped
    picked: list[int] = []
    content = index.content
    for _ in range(limit):
        adjusted = relevance - blend.diversity * max_sim
        adjusted[taken] = -np.inf
        if blend.max_per_director > 0:
            capped = (director_id >= 0) & (per_director[director_id] >= blend.max_per_director)
            if np.isfinite(adjusted[~capped]).any():
                adjusted[capped] = -np.inf
        best = int(np.argmax(adjusted))
        if not np.isfinite(adjusted[best]):
            break
        taken[best] = True
        picked.append(best)
        if director_id[best] >= 0:
            per_director[director_id[best]] += 1
        row = int(candidates[best])
        lo, hi = content.indptr[row], content.indptr[row + 1]
        at = slot[content.indices[lo:hi]]
        listed = at >= 0
        at, sims = at[listed], content.data[lo:hi][listed]
        max_sim[at] = np.maximum(max_sim[at], sims)  # a row lists each column once
    return candidates[np.array(picked, dtype=np.int64)]


def _reasons(index, taste: Taste, rows: np.ndarray, weighted: dict[str, np.ndarray], blend: Blend):
    """For each served row, the component that contributed most, and within it the taste row behind it."""
    best_source: dict[str, np.ndarray] = {}
    positive = taste.weights > 0
    recent, decay = taste.recent_weights()
    for name, matrix, sources, weights in (
        (CONTENT, index.content, taste.items[positive], taste.weights[positive]),
        (COLLABORATIVE, index.cooc, taste.items[positive], taste.weights[positive]),
        (SEQUENTIAL, index.transitions, recent, decay),
    ):
        if len(sources):
            contrib = matrix[sources][:, rows].toarray() * weights[:, None]
            best = contrib.argmax(axis=0)
            best_source[name] = np.where(contrib.max(axis=0) > 0, sources[best], -1)
        else:
            best_source[name] = np.full(len(rows), -1)
    reasons: list[tuple[str, int]] = []
    personal = (CONTENT, COLLABORATIVE, SEQUENTIAL, PREFERENCES)
    for i, row in enumerate(rows):
        # The strongest personal signal explains the pick; "popular" only when no personal signal adds to it.
        name = max(personal, key=lambda key: weighted[key][row])
        if weighted[name][row] <= 0:
            name = POPULAR
        if name in (CONTENT, COLLABORATIVE, SEQUENTIAL) and best_source[name][i] >= 0:
            reasons.append((name, int(best_source[name][i])))
        elif name in personal and weighted[PREFERENCES][row] > 0:
            reasons.append(_preference_reason(index, taste, int(row)))
        else:
            reasons.append((POPULAR, -1))
    return reasons


def _preference_reason(index: EngineIndex, taste: Taste, row: int) -> tuple[str, int]:
    if len(taste.people):
        people = index.people.indices[index.people.indptr[row] : index.people.indptr[row + 1]]
        hit = np.intersect1d(people, taste.people)
        if len(hit):
            return PERSON, int(hit[0])
    if len(taste.genres):
        genres = index.genres.indices[index.genres.indptr[row] : index.genres.indptr[row + 1]]
        hit = np.intersect1d(genres, taste.genres)
        if len(hit):
            return GENRE, int(hit[0])
    return POPULAR, -1


def similar(index: EngineIndex, row: int, *, limit: int, allowed: np.ndarray | None = None):
    """The row's content neighbours, nudged by the prior (a well-rated, known film wins a near tie)."""
    lo, hi = index.content.indptr[row], index.content.indptr[row + 1]
    cols = index.content.indices[lo:hi]
    sims = index.content.data[lo:hi]
    keep = cols != row
    if allowed is not None:
        keep &= allowed[cols]
    cols, sims = cols[keep], sims[keep]
    scores = sims * (0.85 + 0.15 * index.prior[cols])
    order = np.argsort(-scores, kind="stable")[:limit]
    return cols[order], scores[order]
