"""How much each signal says about taste: the one mapping the service and the offline harness share."""

from __future__ import annotations

import numpy as np

FAVORITE = "favorite"
# A movie watched more than once (two plays, or a play its source marked a re-watch).
REWATCHED = "rewatched"
# Interaction types (users.models.Interaction.Type values), a favorite and a re-watch (from the plays).
SIGNAL_WEIGHTS: dict[str, float] = {
    FAVORITE: 1.5,
    # Watching a movie again says as much as calling it a favorite (on top of its "watched").
    REWATCHED: 1.5,
    "liked": 1.0,
    "watchlist": 0.5,
    "watched": 0.3,
    "disliked": -1.0,
}
# A saved preference for a movie counts like a like, without a date.
PREFERRED_MOVIE_WEIGHT = 1.0
# A rating r counts (r - NEUTRAL_RATING) / 2: 5 stars is +1.5, 1 star -0.5, 2 stars nothing. Chosen on the
# MovieLens validation split over 3.0: a middling rating still says the user picked that kind of film.
NEUTRAL_RATING = 2.0
# A signal loses half its weight after this many days.
HALF_LIFE_DAYS = 365.0
# The short-term profile: the user's latest positive movies, the newest weighing 1 and each one before it
# RECENT_DECAY times the next (chosen on the MovieLens validation split: 20 and 0.9 over 10/40 and 0.8).
RECENT_SIGNALS = 20
RECENT_DECAY = 0.9


def signal_weight(kind: str, rating: float | None = None, *, neutral_rating: float = NEUTRAL_RATING) -> float:
    if kind == "rated":
        return (float(rating) - neutral_rating) / 2.0 if rating is not None else 0.0
    return SIGNAL_WEIGHTS.get(kind, 0.0)


def recency(age_days: np.ndarray | float, *, half_life_days: float = HALF_LIFE_DAYS) -> np.ndarray:
    return np.power(0.5, np.maximum(np.asarray(age_days, dtype=np.float64), 0.0) / half_life_days)
