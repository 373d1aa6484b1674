"""`make bench BENCH=scale`: the request path at growing catalog sizes, through HTTP, on PostgreSQL and Redis
when DATABASE_URL / REDIS_URL are set (a throwaway database `<name>_scale_<n>`, Redis database 13), else
SQLite and the local-memory cache.

Per size (default 10000 and 100000; BENCH_SCALE_SIZES="10000 100000 1000000" or argv for others):
1. a synthetic catalog (titles and overviews of Zipf-distributed words, 1-3 of 19 genres, release dates,
   votes, popularity) and 300 users with 40 interactions each, written through the ORM; the index built as a
   worker builds it (time, the builder's peak RSS), then a refresh after ten films were edited (time, rows
   written);
2. a fresh process (a new web worker): the time of its first "similar" answer, and its peak RSS;
3. gunicorn, 2 workers: p50/p95 of similar, personalized, genre picks, discover, search, details and pages of
   the popular list, each request distinct so no response cache answers it (personalized: the user's
   taste_version is bumped before each, as a new like would), then the workers' peak RSS.

Issue #14's targets compare the largest size with the smallest: p95 at most 2x and at most 100 ms, worker RSS
at most 1.5x, a fresh worker's first answer within 1 s. BENCH_SCALE_BUILD_ONLY=1 runs step 1 alone (for 1M);
BENCH_SCALE_KEEP=1 keeps the PostgreSQL database, and BENCH_SCALE_SERVE_ONLY=1 runs steps 2 and 3 on it.
Writes bench/results/scale.json.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    ROOT,
    backend_name,
    drop_postgres,
    free_port,
    postgres_url,
    redis_url,
    server_env,
    start_gunicorn,
    stop_server,
)

RESULTS = ROOT / "bench" / "results" / "scale.json"
USERS, PER_USER, GENRES, WORDS = 300, 40, 19, 20_000
SAMPLES = 200
ENDPOINTS = ("similar", "personalized", "genre", "discover", "search", "details", "popular")


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    arr = np.array(samples_ms)
    return {"p50_ms": round(float(np.percentile(arr, 50)), 2), "p95_ms": round(float(np.percentile(arr, 95)), 2)}


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 0)


def title_words(n: int) -> int:
    """Words titles draw from: 5,000, fewer for a small catalog so that nearly every word is some title's."""
    return min(5_000, n // 2)


def child_build(n: int) -> dict:
    """Step 1, in a process of its own (the builder's RSS is its own)."""
    import django

    django.setup()
    from django.core.management import call_command

    from movies.models import Genre, Movie
    from recommendations import services
    from users.models import Interaction, User

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(11)
    started = time.perf_counter()
    genres = Genre.objects.bulk_create([Genre(tmdb_id=g + 1, name=f"Genre {g}") for g in range(GENRES)])
    popularity = rng.pareto(1.5, size=n) * 10
    through = Movie.genres.through
    for start in range(0, n, 20_000):  # bounded memory at 1M
        stop = min(n, start + 20_000)
        zipf = rng.zipf(1.3, size=(stop - start, 25)) % WORDS
        days = rng.integers(0, 365 * 60, size=stop - start)
        titles = [
            " ".join(f"w{w}" for w in rng.integers(0, title_words(n), size=rng.integers(1, 4)))
            for _ in range(start, stop)
        ]
        movies = Movie.objects.bulk_create(
            [
                Movie(
                    tmdb_id=i + 1,
                    title=titles[i - start],
                    **Movie.normalized_titles(title=titles[i - start]),  # what search reads, as every writer stores
                    overview=" ".join(f"w{w}" for w in zipf[i - start, : rng.integers(10, 25)]),
                    release_date=(np.datetime64("1965-01-01") + np.timedelta64(int(days[i - start]), "D")).item(),
                    popularity=float(popularity[i]),
                    vote_average=float(np.clip(rng.normal(6.5, 1.0), 0, 10)),
                    vote_count=int(rng.integers(0, 20_000)),
                )
                for i in range(start, stop)
            ],
            batch_size=5_000,
        )
        through.objects.bulk_create(
            [
                through(movie_id=m.pk, genre_id=genres[g].pk)
                for m in movies
                for g in rng.choice(GENRES, size=rng.integers(1, 4), replace=False)
            ],
            batch_size=10_000,
        )
    users = User.objects.bulk_create(
        [User(email=f"bench{i}@example.com", date_of_birth="1990-01-01") for i in range(USERS)]
    )
    pks = dict(Movie.objects.values_list("tmdb_id", "pk"))
    weights = popularity / popularity.sum()
    kinds = ["liked", "watched", "watchlist", "liked"]
    Interaction.objects.bulk_create(
        [
            Interaction(user=u, movie_id=pks[int(i) + 1], type=kinds[int(rng.integers(0, 4))])
            for u in users
            for i in rng.choice(n, size=PER_USER, replace=False, p=weights)
        ],
        batch_size=5_000,
    )
    figures = {"catalog_write_s": round(time.perf_counter() - started, 1)}
    _tidy()
    started = time.perf_counter()
    row = services.recommendation_index_build()
    figures.update(
        movies=row.movie_count,
        build_s=round(time.perf_counter() - started, 1),
        build_peak_rss_mb=rss_mb(),
    )
    return {**figures, **refresh_figures(n)}


def _tidy() -> None:
    """What autovacuum does soon after a bulk load (planner statistics, visibility map), done now: the
    figures are a steady state's, not those of tables the planner has never seen."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")


def refresh_figures(n: int) -> dict:
    """A sync that edited some films' overviews, then the refresh a catalog change queues: for each count in
    BENCH_SCALE_REFRESH (default "10"; "10 1000" for issue #14's 1,000 at 1M), one after the other."""
    from django.core.cache import cache
    from django.utils import timezone

    from movies.models import Movie
    from recommendations import services

    rng = np.random.default_rng(13)
    figures: dict = {}
    for count in [int(c) for c in os.environ.get("BENCH_SCALE_REFRESH", "10").split()]:
        for tmdb_id in rng.choice(n, size=count, replace=False) + 1:
            words = " ".join(f"w{w}" for w in rng.integers(0, 300, size=8))  # words the full build has seen
            Movie.objects.filter(tmdb_id=int(tmdb_id)).update(overview=words, updated_at=timezone.now())
        cache.clear()
        started = time.perf_counter()
        refreshed = services.recommendation_index_build(force=False)
        figures[f"refresh_{count}_changed"] = {
            "s": round(time.perf_counter() - started, 1),
            "kind": refreshed.kind,
            "rows_written": refreshed.rows_written,
            "peak_rss_mb": rss_mb(),
        }
    return figures


def child_fresh(n: int) -> dict:
    """Step 2: a new process, booted as a gunicorn worker boots (movie_backend.wsgi), answers its first
    "similar"; also hands the HTTP step its users' tokens."""
    import importlib

    importlib.import_module("movie_backend.wsgi")  # what a gunicorn worker imports before it accepts a request
    from django.test import Client
    from rest_framework_simplejwt.tokens import RefreshToken

    from users.models import User

    rss_before = rss_mb()
    started = time.perf_counter()
    first = Client().get(f"/api/movies/{n // 2}/similar/", HTTP_HOST="localhost")
    first_s = time.perf_counter() - started
    assert first.status_code == 200, first.content
    tokens = {u.pk: str(RefreshToken.for_user(u).access_token) for u in User.objects.order_by("pk")[:100]}
    return {
        "first_similar_s": round(first_s, 3),
        "fresh_rss_before_mb": rss_before,
        "fresh_peak_rss_mb": rss_mb(),
        "tokens": tokens,
    }


def bump_taste(env: dict[str, str], user_id: int) -> None:
    """What a new like does to the user's cached list: a new taste_version (outside the timed request)."""
    url = env["DATABASE_URL"]
    sql = "UPDATE users_user SET taste_version = taste_version + 1 WHERE id = %s"
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql.replace("%s", "?"), (user_id,))
        return
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(sql, (user_id,))
    conn.close()


def requests_for(n: int, rng: np.random.Generator) -> dict[str, list[str]]:
    """Distinct paths per endpoint (no response cache can answer a repeat)."""
    ids = rng.choice(np.arange(1, n + 1), size=2 * SAMPLES, replace=False)
    pages = max(1, min(50, n // 400))  # a genre holds about n / 10 movies; 20 a page, at most 1,000 stored
    genre_pages = rng.choice(GENRES * pages, size=min(SAMPLES, GENRES * pages), replace=False)
    words = rng.choice(title_words(n), size=min(SAMPLES, title_words(n)), replace=False)
    discover = rng.choice(GENRES * 20 * 5, size=SAMPLES, replace=False)
    sorts = ["popularity.desc", "vote_average.desc", "primary_release_date.desc", "vote_count.desc", "revenue.desc"]
    return {
        "similar": [f"/api/movies/{int(t)}/similar/" for t in ids[:SAMPLES]],
        "details": [f"/api/movies/{int(t)}/" for t in ids[SAMPLES:]],
        "genre": [f"/api/recommendations/genre/{g // pages + 1}/?page={g % pages + 1}" for g in genre_pages],
        "search": [f"/api/movies/search/?q=w{int(w)}" for w in words],
        # The catalog by popularity (no synced TMDb list here): pages 1 to 500 at most, TMDb's own limit.
        "popular": [
            f"/api/movies/?category=popular&page={int(p)}"
            for p in rng.choice(np.arange(1, min(500, n // 20) + 1), size=min(SAMPLES, n // 20), replace=False)
        ],
        "discover": [
            f"/api/movies/discover/?with_genres={d // 100 + 1}&vote_count.gte={(d // 5) % 20 * 500}"
            f"&sort_by={sorts[d % 5]}"
            for d in discover
        ],
    }


def serve_http(env: dict[str, str], n: int, tokens: dict[str, str]) -> dict:
    """Step 3: gunicorn, 2 workers; each endpoint's distinct requests in turn, one at a time."""
    import requests

    port = free_port()
    server = start_gunicorn(env, port)
    base = f"http://127.0.0.1:{port}"
    session = requests.Session()
    figures: dict = {}
    try:
        paths = requests_for(n, np.random.default_rng(5))
        for tmdb_id in (1, 2, 3, 4):  # each worker past its first request, on paths the timed ones do not repeat
            session.get(f"{base}/api/movies/{tmdb_id}/similar/?limit=5", timeout=60)
        for name in ENDPOINTS:
            samples = []
            if name == "personalized":
                for user_id, token in tokens.items():
                    bump_taste(env, int(user_id))
                    started = time.perf_counter()
                    response = session.get(
                        base + "/api/users/me/recommendations/",
                        headers={"Authorization": f"Bearer {token}"},
                        timeout=60,
                    )
                    samples.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200 and len(response.json()["results"]) == 20, response.text[:300]
            else:
                found: list[int] = []
                for path in paths[name]:
                    started = time.perf_counter()
                    response = session.get(base + path, timeout=60)
                    samples.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
                    found.append(response.json().get("count", 1))
                # An empty answer is not a measurement of the endpoint: every kind must find something.
                assert np.mean([c > 0 for c in found]) > 0.9, f"{name}: {sum(c == 0 for c in found)} empty answers"
            figures[name] = percentiles(samples)
        figures["worker_peak_rss_mb"] = max(_peak_rss_mb(pid) for pid in _children(server.pid))
    finally:
        stop_server(server)
    return figures


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024.0, 0)
    return 0.0


def run_child(kind: str, env: dict[str, str], n: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(n)], capture_output=True, text=True, cwd=ROOT, env=env
    )
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-5000:])
        raise SystemExit(out.returncode)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _kept_postgres_url(suffix: str) -> str:
    """The DATABASE_URL server's database `<name>_<suffix>` as an earlier run left it (not recreated)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{parts.path.lstrip('/') or 'movie_backend'}_{suffix}"))


def ratios(results: dict) -> dict:
    sizes = sorted(results, key=int)
    small, large = results[sizes[0]], results[sizes[-1]]
    out = {
        f"{name}_p95_x": round(large[name]["p95_ms"] / small[name]["p95_ms"], 2)
        for name in ENDPOINTS
        if name in small and name in large
    }
    if "worker_peak_rss_mb" in small and "worker_peak_rss_mb" in large:
        out["worker_rss_x"] = round(large["worker_peak_rss_mb"] / small["worker_peak_rss_mb"], 2)
    return {f"{sizes[-1]}_vs_{sizes[0]}": out}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        kind, n = sys.argv[2], int(sys.argv[3])
        print(json.dumps(child_build(n) if kind == "build" else child_fresh(n)))
        return 0
    sizes = [int(a) for a in sys.argv[1:]] or [int(s) for s in os.environ.get("BENCH_SCALE_SIZES", "").split()]
    sizes = sizes or [10_000, 100_000]
    build_only = os.environ.get("BENCH_SCALE_BUILD_ONLY") == "1"
    serve_only = os.environ.get("BENCH_SCALE_SERVE_ONLY") == "1"  # on a database BENCH_SCALE_KEEP=1 left
    results: dict = {}
    backend = ""
    for n in sizes:
        tmp = tempfile.mkdtemp(prefix=f"scale{n}-")
        database_url = _kept_postgres_url(f"scale_{n}") if serve_only else postgres_url(f"scale_{n}")
        redis = redis_url(13)
        backend = backend_name(database_url, redis)
        env = server_env(database_url=database_url, redis=redis, tmp=tmp, prefix=f"scale{n}")
        try:
            figures = {} if serve_only else run_child("build", env, n)
            if not build_only:
                fresh = run_child("fresh", env, n)
                tokens = fresh.pop("tokens")
                figures.update(fresh, **serve_http(env, n, tokens))
        finally:
            if database_url and os.environ.get("BENCH_SCALE_KEEP") != "1":
                drop_postgres(database_url)
        results[str(n)] = figures
        print(f"{n} ({backend}): {json.dumps(figures)}", flush=True)
    summary = {"backend": backend, "sizes": results}
    if len(results) > 1 and not build_only:
        summary["ratios"] = ratios(results)
        print(json.dumps(summary["ratios"]))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
