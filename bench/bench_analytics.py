"""Analytics benchmark: the impression insert on the request path, and the query-time reads over logs.

A throwaway SQLite database with 5,000 movies, 2,000 users, 50,000 impressions of 20 movies each in one
two-variant experiment (last 30 days) and 30,000 favorites/interactions, some of them outcomes. Times:
- `services.recommendation_log` (the one INSERT each served list costs), p50/p95 over 2,000 calls;
- `analytics.experiment_results` uncached (attribution + statistics over all 50k impressions);
- `analytics.site_analytics`, `analytics.model_performance` and one user's `taste_analytics`.
Writes bench/results/analytics.json. Usage: python bench/bench_analytics.py
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "analytics.json"
MOVIES, USERS, IMPRESSIONS, ACTIONS = 5_000, 2_000, 50_000, 30_000


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    arr = np.array(samples_ms)
    return {"p50_ms": round(float(np.percentile(arr, 50)), 3), "p95_ms": round(float(np.percentile(arr, 95)), 3)}


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def main() -> dict:
    os.environ.update(
        {
            "SQLITE_PATH": str(Path(tempfile.mkdtemp()) / "bench.sqlite3"),
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from movies.models import Movie
    from recommendations import analytics, services
    from recommendations.models import Experiment, RecommendationLog
    from users.models import Favorite, Interaction, User

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(5)
    now = timezone.now()
    Movie.objects.bulk_create(
        [Movie(tmdb_id=i + 1, title=f"Movie {i}", popularity=float(rng.pareto(1.5) + 1)) for i in range(MOVIES)],
        batch_size=2000,
    )
    movie_pk = dict(Movie.objects.values_list("tmdb_id", "pk"))
    users = User.objects.bulk_create([User(email=f"a{i}@example.com") for i in range(USERS)], batch_size=2000)
    experiment = Experiment.objects.create(
        name="bench",
        active=True,
        variants=[{"name": "control", "weight": 1}, {"name": "treatment", "weight": 1, "algorithm": "popularity"}],
    )
    weights = 1.0 / np.arange(1, MOVIES + 1) ** 0.8
    weights /= weights.sum()
    logs = []
    for _ in range(IMPRESSIONS):
        user = users[int(rng.integers(0, USERS))]
        ids = rng.choice(MOVIES, size=20, replace=False, p=weights) + 1
        logs.append(
            RecommendationLog(
                user=user,
                kind="personalized",
                algorithm="hybrid-v1",
                movie_ids=[int(t) for t in ids],
                experiment=experiment,
                variant="control" if user.pk % 2 else "treatment",
            )
        )
    RecommendationLog.objects.bulk_create(logs, batch_size=2000)
    ages = rng.uniform(0, 30, IMPRESSIONS)
    RecommendationLog.objects.bulk_update(
        [
            RecommendationLog(id=pk, created_at=now - datetime.timedelta(days=float(age)))
            for pk, age in zip(RecommendationLog.objects.order_by("id").values_list("id", flat=True), ages, strict=True)
        ],
        ["created_at"],
        batch_size=2000,
    )
    seen = set()
    favorites, interactions = [], []
    for _ in range(ACTIONS):
        user = users[int(rng.integers(0, USERS))]
        tmdb_id = int(rng.choice(MOVIES, p=weights)) + 1
        kind = ["favorite", "liked", "watched", "watchlist", "disliked"][int(rng.integers(0, 5))]
        if (user.pk, tmdb_id, kind) in seen:
            continue
        seen.add((user.pk, tmdb_id, kind))
        if kind == "favorite":
            favorites.append(Favorite(user=user, movie_id=movie_pk[tmdb_id]))
        else:
            interactions.append(Interaction(user=user, movie_id=movie_pk[tmdb_id], type=kind))
    Favorite.objects.bulk_create(favorites, batch_size=2000)
    Interaction.objects.bulk_create(interactions, batch_size=2000)

    insert_ms = []
    for i in range(2_000):
        started = time.perf_counter()
        user = users[i % USERS]
        services.recommendation_log(
            user=user,
            kind="personalized",
            algorithm="hybrid-v1",
            movie_ids=list(range(1, 21)),
            request_id=f"bench-{i}",
            experiment_id=experiment.pk,
            variant="control" if user.pk % 2 else "treatment",
        )
        insert_ms.append((time.perf_counter() - started) * 1000)
    results = analytics.experiment_results(experiment=experiment)
    out = {
        "movies": MOVIES,
        "users": USERS,
        "impressions": IMPRESSIONS + 2_000,
        "favorites": len(favorites),
        "interactions": len(interactions),
        "impression_insert": percentiles(insert_ms),
        "experiment_results_ms": timed(lambda: analytics.experiment_results(experiment=experiment)),
        "site_analytics_ms": timed(lambda: analytics.site_analytics(days=30)),
        "model_performance_ms": timed(lambda: analytics.model_performance(days=30)),
        "user_analytics_ms": timed(lambda: analytics.taste_analytics(user=users[0])),
        "variants": {
            v["variant"]: {k: v[k] for k in ("users", "impressions", "outcome_rate", "ci95", "p_value")}
            for v in results["variants"]
        },
    }
    return out


if __name__ == "__main__":
    figures = main()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
