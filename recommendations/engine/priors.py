"""Popularity and quality priors: a vote-count-weighted rating (the IMDb formula) and log popularity."""

from __future__ import annotations

import numpy as np

# Votes needed before a film's own average outweighs the catalog mean: this quantile of vote counts.
VOTE_COUNT_QUANTILE = 0.7


def weighted_rating(
    vote_average: np.ndarray, vote_count: np.ndarray, *, mean: float | None = None, min_votes: float | None = None
) -> np.ndarray:
    """(v / (v + m)) * R + (m / (v + m)) * C on the 0-10 scale: few votes pull a film towards the mean."""
    vote_average = np.asarray(vote_average, dtype=np.float64)
    vote_count = np.asarray(vote_count, dtype=np.float64)
    voted = vote_count > 0
    if mean is None:
        mean = float(vote_average[voted].mean()) if voted.any() else 0.0
    if min_votes is None:
        min_votes = float(np.quantile(vote_count[voted], VOTE_COUNT_QUANTILE)) if voted.any() else 1.0
    min_votes = max(min_votes, 1.0)
    return (vote_count / (vote_count + min_votes)) * vote_average + (min_votes / (vote_count + min_votes)) * mean


def log_scaled(values: np.ndarray) -> np.ndarray:
    """log1p(x) / log1p(max x), in [0, 1]."""
    logged = np.log1p(np.maximum(np.asarray(values, dtype=np.float64), 0.0))
    top = logged.max() if logged.size else 0.0
    return logged / top if top > 0 else np.zeros_like(logged)


# Genre picks weigh quality more than the recommendation prior does: 80% weighted rating, 20% popularity.
GENRE_POPULARITY_WEIGHT = 0.2


def prior(
    popularity: np.ndarray,
    vote_average: np.ndarray,
    vote_count: np.ndarray,
    *,
    popularity_weight: float = 0.5,
) -> np.ndarray:
    """A [0, 1] prior per movie: popularity_weight * log popularity + the rest * weighted rating / 10."""
    return _blend(popularity, vote_average, vote_count, popularity_weight).astype(np.float32)


def genre_pick_score(popularity: np.ndarray, vote_average: np.ndarray, vote_count: np.ndarray) -> np.ndarray:
    """The genre picks' score (float64): the prior with GENRE_POPULARITY_WEIGHT, as
    recommendations.selectors.genre_best_movies computes it in SQL when there is no index yet."""
    return _blend(popularity, vote_average, vote_count, GENRE_POPULARITY_WEIGHT)


def _blend(popularity, vote_average, vote_count, popularity_weight: float) -> np.ndarray:
    quality = weighted_rating(vote_average, vote_count) / 10.0
    return popularity_weight * log_scaled(popularity) + (1 - popularity_weight) * quality
