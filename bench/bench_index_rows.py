"""The request path at two catalog sizes, end to end: a synthetic catalog in a throwaway SQLite database, the
index built once, then a fresh serving process timed through Django's test client.

Per size: build time and the builder's peak RSS, then a refresh after ten films were edited (its time and the
rows it wrote); in a new process (a fresh web worker), the time of its first
"similar" answer, then p50/p95 of similar, personalized (uncached: the taste version is bumped before each)
and genre requests, and that process's peak RSS. Issue #14's targets compare the larger size with the
smaller: p95 at most 2x, RSS at most 1.5x, a fresh worker's first answer within 1 s.

Usage: python bench/bench_index_rows.py [N ...]   (default 10000 100000); writes bench/results/index_rows.json.
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
RESULTS = ROOT / "bench" / "results" / "index_rows.json"
USERS, PER_USER = 300, 40


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    arr = np.array(samples_ms)
    return {"p50_ms": round(float(np.percentile(arr, 50)), 2), "p95_ms": round(float(np.percentile(arr, 95)), 2)}


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 0)


def setup_django(db: str) -> None:
    os.environ.update(
        {
            "SQLITE_PATH": db,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "LOG_LEVEL": "WARNING",
            "THROTTLE_RATES": "anon=1000000/min,user=1000000/min",
        }
    )
    import django

    django.setup()


def child_build(db: str, n: int) -> dict:
    setup_django(db)
    from django.core.management import call_command

    from movies.models import Genre, Movie
    from recommendations import services
    from users.models import Interaction, User

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(11)
    genres = Genre.objects.bulk_create([Genre(tmdb_id=g + 1, name=f"Genre {g}") for g in range(19)])
    words = [f"w{i}" for i in range(20_000)]
    zipf = rng.zipf(1.3, size=(n, 25)) % len(words)
    popularity = rng.pareto(1.5, size=n) * 10
    movies = Movie.objects.bulk_create(
        [
            Movie(
                tmdb_id=i + 1,
                title=" ".join(words[w] for w in rng.integers(0, 5_000, size=rng.integers(1, 4))),
                overview=" ".join(words[w] for w in zipf[i, : rng.integers(10, 25)]),
                popularity=float(popularity[i]),
                vote_average=float(np.clip(rng.normal(6.5, 1.0), 0, 10)),
                vote_count=int(rng.integers(0, 20_000)),
            )
            for i in range(n)
        ],
        batch_size=5_000,
    )
    through = Movie.genres.through
    through.objects.bulk_create(
        [
            through(movie_id=m.pk, genre_id=genres[g].pk)
            for m in movies
            for g in rng.choice(19, size=rng.integers(1, 4), replace=False)
        ],
        batch_size=10_000,
    )
    users = User.objects.bulk_create(
        [User(email=f"bench{i}@example.com", date_of_birth="1990-01-01") for i in range(USERS)]
    )
    weights = popularity / popularity.sum()
    kinds = ["liked", "watched", "watchlist", "liked"]
    Interaction.objects.bulk_create(
        [
            Interaction(user=u, movie_id=movies[int(i)].pk, type=kinds[int(rng.integers(0, 4))])
            for u in users
            for i in rng.choice(n, size=PER_USER, replace=False, p=weights)
        ],
        batch_size=5_000,
    )
    started = time.perf_counter()
    row = services.recommendation_index_build()
    figures = {
        "movies": row.movie_count,
        "build_s": round(time.perf_counter() - started, 1),
        "build_peak_rss_mb": rss_mb(),
    }
    return {**figures, **refresh_figures(n)}


def refresh_figures(n: int) -> dict:
    """A sync that edited ten films' overviews, then the refresh a catalog change queues."""
    from django.core.cache import cache
    from django.utils import timezone

    from movies.models import Movie
    from recommendations import services

    rng = np.random.default_rng(13)
    for tmdb_id in rng.choice(n, size=10, replace=False) + 1:
        Movie.objects.filter(tmdb_id=int(tmdb_id)).update(overview="w1 w2 lighthouse keeper", updated_at=timezone.now())
    cache.clear()
    started = time.perf_counter()
    refreshed = services.recommendation_index_build(force=False)
    return {
        "refresh_10_changed_s": round(time.perf_counter() - started, 1),
        "refresh_kind": refreshed.kind,
        "refresh_rows_written": refreshed.rows_written,
    }


def child_serve(db: str, n: int) -> dict:
    setup_django(db)
    from django.db.models import F
    from django.test import Client
    from rest_framework_simplejwt.tokens import RefreshToken

    from users.models import User

    client = Client()
    rng = np.random.default_rng(5)
    rss_before = rss_mb()
    t = time.perf_counter()
    first = client.get(f"/api/movies/{int(rng.integers(1, n))}/similar/", HTTP_HOST="localhost")
    first_s = time.perf_counter() - t
    assert first.status_code == 200, first.content
    similar_ms = []
    for tmdb_id in rng.integers(1, n + 1, 200):
        t = time.perf_counter()
        response = client.get(f"/api/movies/{int(tmdb_id)}/similar/", HTTP_HOST="localhost")
        similar_ms.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.content
    personalized_ms = []
    for user in User.objects.order_by("pk")[:100]:
        auth = {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(user).access_token}", "HTTP_HOST": "localhost"}
        User.objects.filter(pk=user.pk).update(taste_version=F("taste_version") + 1)
        t = time.perf_counter()
        response = client.get("/api/users/me/recommendations/", **auth)
        personalized_ms.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200 and len(response.json()["results"]) == 20, response.content
    genre_ms = []
    for genre in rng.integers(1, 20, 100):
        t = time.perf_counter()
        assert client.get(f"/api/recommendations/genre/{int(genre)}/", HTTP_HOST="localhost").status_code == 200
        genre_ms.append((time.perf_counter() - t) * 1000)
    return {
        "first_similar_s": round(first_s, 3),
        "similar": percentiles(similar_ms),
        "personalized_uncached": percentiles(personalized_ms),
        "genre": percentiles(genre_ms),
        "worker_rss_before_mb": rss_before,
        "worker_peak_rss_mb": rss_mb(),
    }


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(out.returncode)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, db, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
        if kind == "refresh":  # on a database a previous run built
            setup_django(db)
            print(json.dumps(refresh_figures(n)))
            return 0
        print(json.dumps(child_build(db, n) if kind == "build" else child_serve(db, n)))
        return 0
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    results = {}
    for n in sizes:
        db = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
        results[str(n)] = {**run_child("build", db, str(n)), **run_child("serve", db, str(n))}
        print(f"{n}: {json.dumps(results[str(n)])}", flush=True)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
