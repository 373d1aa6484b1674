"""Recommendation benchmarks: index build time and peak memory, similar lookups and personalized lists.

Two sizes:
- bundled: the demo catalog (~7.6k films) in a throwaway SQLite database with 600 synthetic users
  (30k interactions), timed end to end through Django's test client (middleware, auth, queries,
  serialisation: server time without the network);
- synthetic: 100k movies and 1M interactions (50k users) generated in memory, timed at the engine level
  (the request's array work; the database part of a request is the same 3-6 indexed queries at any size),
  including incremental refreshes of 100 and of 1,000 changed movies (engine.index.build_index given the
  previous index, what the service runs after a small sync) against the full build.

Each build runs in a child process so its peak RSS is its own. Writes bench/results/recommendations.json.
Usage: python bench/bench_recommendations.py [--quick]   (--quick: 20k movies / 200k interactions)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "recommendations.json"


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    arr = np.array(samples_ms)
    return {"p50_ms": round(float(np.percentile(arr, 50)), 2), "p95_ms": round(float(np.percentile(arr, 95)), 2)}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# --- synthetic catalog -------------------------------------------------------------------------------


def synthetic(n_movies: int, n_interactions: int, n_users: int, seed: int = 7):
    from recommendations.engine import collaborative
    from recommendations.engine.content import MovieDoc
    from recommendations.engine.index import CatalogArrays

    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(20_000)])
    zipf_words = rng.zipf(1.3, size=(n_movies, 30)) % len(words)
    docs = []
    for i in range(n_movies):
        docs.append(
            MovieDoc(
                title=" ".join(words[rng.integers(0, 5_000, size=rng.integers(1, 4))]),
                overview=" ".join(words[zipf_words[i, : rng.integers(10, 30)]]),
                genres=rng.choice(19, size=rng.integers(1, 4), replace=False).tolist(),
                keywords=[f"k{k}" for k in rng.integers(0, 20_000, size=rng.integers(0, 8))],
                director=f"director {rng.integers(0, n_movies // 5)}",
                cast=[f"actor {a}" for a in rng.integers(0, n_movies, size=8)],
            )
        )
    popularity = rng.pareto(1.5, size=n_movies) * 10
    catalog = CatalogArrays(
        tmdb_ids=np.arange(1, n_movies + 1),
        docs=docs,
        popularity=popularity,
        vote_average=np.clip(rng.normal(6.5, 1.0, n_movies), 0, 10),
        vote_count=rng.integers(0, 20_000, n_movies),
        adult=np.zeros(n_movies, dtype=bool),
    )
    p = popularity / popularity.sum()
    users = rng.integers(0, n_users, n_interactions)
    items = rng.choice(n_movies, size=n_interactions, p=p)
    positives = collaborative.user_item_matrix(users, items, np.ones(n_interactions), n_users=n_users, n_items=n_movies)
    # Every interaction is also an event for the transitions, in the order generated (as if in time order).
    events = collaborative.Events(users, items, np.arange(n_interactions))
    return catalog, positives, events


def changed_catalog(catalog, positives, n_changed: int, seed: int):
    """The catalog after a sync that touched `n_changed` movies: 90% edited (new director and overview), 10% new
    releases appended (no interactions yet). Returns the catalog, its positives and the edited TMDb ids."""
    import dataclasses

    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    n = len(catalog.tmdb_ids)
    n_new = n_changed // 10
    edited = rng.choice(n, size=n_changed - n_new, replace=False)
    docs = list(catalog.docs)
    for row in edited:
        docs[row] = dataclasses.replace(
            docs[row],
            overview=" ".join(f"w{w}" for w in rng.zipf(1.3, 20) % 20_000),
            director=f"director {rng.integers(0, n // 5)}",
        )
    for i in range(n_new):
        docs.append(dataclasses.replace(docs[int(rng.integers(0, n))], title=f"w{i} sequel"))

    def grow(values):
        return np.concatenate([values, values[rng.integers(0, n, n_new)]])

    changed = type(catalog)(
        tmdb_ids=np.arange(1, n + n_new + 1),
        docs=docs,
        popularity=grow(catalog.popularity),
        vote_average=grow(catalog.vote_average),
        vote_count=grow(catalog.vote_count),
        adult=np.zeros(n + n_new, dtype=bool),
    )
    grown = sp.hstack([positives, sp.csr_matrix((positives.shape[0], n_new), dtype=np.float32)], format="csr")
    return changed, grown, catalog.tmdb_ids[edited]


def refresh_figures(index, catalog, positives, events, n_changed: int) -> dict:
    """An incremental refresh through engine.index.build_index given the previous index (what the service
    runs), and how many of the refreshed neighbours an exact search over the new catalog agrees with, on 1,000
    sampled movies."""
    from recommendations.engine import content
    from recommendations.engine.index import build_index

    changed, grown, edited = changed_catalog(catalog, positives, n_changed, seed=n_changed)
    started = time.perf_counter()
    refreshed = build_index(changed, positives=grown, events=events, previous=index, changed_tmdb_ids=edited, k=50)
    seconds = time.perf_counter() - started
    sample = np.random.default_rng(5).choice(refreshed.size, size=1_000, replace=False)
    exact = content.top_k_neighbours(content.build_features(changed.docs), 50, rows=sample)
    shared = [
        len(np.intersect1d(refreshed.content[row].indices, exact[row].indices)) / max(exact[row].nnz, 1)
        for row in sample
    ]
    return {"seconds": round(seconds, 2), "agreement_with_exact": round(float(np.mean(shared)), 4)}


def child_synthetic(n_movies: int, n_interactions: int) -> dict:
    from recommendations.engine import personalized
    from recommendations.engine.index import EngineIndex, build_index

    catalog, positives, events = synthetic(n_movies, n_interactions, n_users=n_interactions // 20)
    before = peak_rss_mb()
    started = time.perf_counter()
    index = build_index(catalog, positives=positives, events=events, k=50)
    build_s = time.perf_counter() - started
    peak = peak_rss_mb()
    refresh = {n: refresh_figures(index, catalog, positives, events, n) for n in (100, 1_000)}
    peak_with_refresh = peak_rss_mb()
    blob = index.to_bytes()
    started = time.perf_counter()
    index = EngineIndex.from_bytes(blob, version="bench")
    load_s = time.perf_counter() - started
    rng = np.random.default_rng(1)

    similar_ms = []
    for row in rng.integers(0, n_movies, 500):
        t = time.perf_counter()
        personalized.similar(index, int(row), limit=20)
        similar_ms.append((time.perf_counter() - t) * 1000)
    personal_ms = []
    for _ in range(200):
        items = rng.integers(0, n_movies, 40)
        taste = personalized.Taste(
            items=items, weights=rng.uniform(-1, 1.5, 40).astype(np.float32), exclude=items, recent=items[-20:]
        )
        t = time.perf_counter()
        personalized.rank(index, taste, limit=100)
        personal_ms.append((time.perf_counter() - t) * 1000)
    return {
        "movies": n_movies,
        "interactions": int(positives.nnz),
        "build_s": round(build_s, 1),
        "build_peak_rss_mb": round(peak, 0),
        "rss_before_build_mb": round(before, 0),
        **{
            f"incremental_refresh_{n}_movies": {**figures, "speedup_vs_build": round(build_s / figures["seconds"], 1)}
            for n, figures in refresh.items()
        },
        "peak_rss_with_refreshes_mb": round(peak_with_refresh, 0),
        "index_blob_mb": round(len(blob) / 2**20, 1),
        "index_load_s": round(load_s, 2),
        "similar_engine": percentiles(similar_ms),
        "personalized_engine_uncached_100": percentiles(personal_ms),
    }


# --- bundled catalog, end to end ---------------------------------------------------------------------


def child_bundled() -> dict:
    db = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    os.environ.update(
        {
            "SQLITE_PATH": str(db),
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "LOG_LEVEL": "WARNING",
            "THROTTLE_RATES": "anon=1000000/min,user=1000000/min",
        }
    )
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db.models import F
    from django.test import Client
    from rest_framework_simplejwt.tokens import RefreshToken

    from movies.models import Movie
    from recommendations import services
    from users.models import Interaction, User

    call_command("migrate", verbosity=0)
    call_command("load_demo_catalog", verbosity=0)
    rng = np.random.default_rng(3)
    movie_pks = np.array(Movie.objects.order_by("-popularity").values_list("pk", flat=True))
    weights = 1.0 / np.arange(1, len(movie_pks) + 1) ** 0.8
    weights /= weights.sum()
    users = User.objects.bulk_create(
        [User(email=f"bench{i}@example.com", date_of_birth="1990-01-01") for i in range(600)]
    )
    kinds = ["liked", "watched", "watchlist", "disliked"]
    rows = []
    for user in users:
        for pk in rng.choice(movie_pks, size=50, replace=False, p=weights):
            rows.append(Interaction(user=user, movie_id=int(pk), type=kinds[rng.integers(0, 4)]))
    Interaction.objects.bulk_create(rows, batch_size=2000)

    before = peak_rss_mb()
    started = time.perf_counter()
    row = services.recommendation_index_build()
    build_s = time.perf_counter() - started
    peak = peak_rss_mb()

    client = Client()
    tmdb_ids = list(Movie.objects.values_list("tmdb_id", flat=True))
    similar_ms = []
    for tmdb_id in rng.choice(tmdb_ids, 300):
        t = time.perf_counter()
        response = client.get(f"/api/movies/{tmdb_id}/similar/", HTTP_HOST="localhost")
        similar_ms.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.content
    uncached, cached = [], []
    for user in users[:150]:
        auth = {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(user).access_token}", "HTTP_HOST": "localhost"}
        User.objects.filter(pk=user.pk).update(taste_version=F("taste_version") + 1)
        t = time.perf_counter()
        response = client.get("/api/users/me/recommendations/", **auth)
        uncached.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200 and len(response.json()["results"]) == 20
        t = time.perf_counter()
        client.get("/api/users/me/recommendations/", **auth)
        cached.append((time.perf_counter() - t) * 1000)
    genre_ms = []
    for genre in rng.choice([18, 35, 28, 878, 27, 10749], 100):
        t = time.perf_counter()
        client.get(f"/api/recommendations/genre/{genre}/", HTTP_HOST="localhost")
        genre_ms.append((time.perf_counter() - t) * 1000)
    cache.clear()
    return {
        "movies": row.movie_count,
        "interactions": row.interaction_count,
        "build_s": round(build_s, 1),
        "build_peak_rss_mb": round(peak, 0),
        "rss_before_build_mb": round(before, 0),
        "similar_http": percentiles(similar_ms),
        "personalized_http_uncached": percentiles(uncached),
        "personalized_http_cached": percentiles(cached),
        "genre_http": percentiles(genre_ms),
    }


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(out.returncode)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        result = child_bundled() if sys.argv[2] == "bundled" else child_synthetic(int(sys.argv[3]), int(sys.argv[4]))
        print(json.dumps(result))
        return 0
    quick = "--quick" in sys.argv
    movies, interactions = (20_000, 200_000) if quick else (100_000, 1_000_000)
    results = {"bundled": run_child("bundled"), "synthetic": run_child("synthetic", str(movies), str(interactions))}
    for name, figures in results.items():
        print(f"{name}: {json.dumps(figures)}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
