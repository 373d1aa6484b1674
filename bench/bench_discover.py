"""Discover benchmark: `GET /api/movies/discover/` over 10k and then 100k synthetic movies on PostgreSQL.

A throwaway database `<DATABASE_URL's name>_discover` (SQLite when DATABASE_URL is not PostgreSQL), filled by
SQL: per movie 1-3 genres, 10 credits (7 cast, 3 crew) over a skewed population of people, 5 keywords and
2 availability rows (4 regions, 30 providers). Each query is timed end to end through Django's test client
(middleware, parsing, the queries, serialisation; server time without the network) on its first page of 20,
with its query count, with the caches off (every request a miss, its count included).
Writes bench/results/discover.json.
Usage: python bench/bench_discover.py [--quick]   (--quick: fewer repetitions)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from common import drop_postgres, postgres_url  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "discover.json"
SIZES = tuple(int(s) for s in os.environ.get("DISCOVER_SIZES", "10000,100000").split(","))
GENRES, PROVIDERS, REGIONS = 19, 30, ("US", "GB", "DE", "FR")
QUERIES = {
    "genre": "with_genres=5",
    "person": "with_people=3",
    "person_rare": "with_cast=2000",
    "keyword_or": "with_keywords=10|20|30",
    "provider_region": "with_watch_providers=8|9&watch_region=GB",
    "dates_by_rating": "primary_release_date.gte=1990-01-01&primary_release_date.lte=1999-12-31"
    "&sort_by=vote_average.desc",
    "every_filter": "with_genres=1,2|3&without_genres=19&with_people=1|2|3&with_keywords=1|2|3&without_keywords=99"
    "&with_watch_providers=1|2|3&watch_region=US&with_original_language=en&primary_release_date.gte=1970-01-01"
    "&vote_average.gte=3&vote_count.gte=10&with_runtime.gte=80&with_runtime.lte=180&sort_by=revenue.desc",
    "many_filters": "with_genres=1|2&without_genres=19&without_keywords=99&with_watch_providers=1|2|3"
    "&watch_region=US&with_original_language=en&primary_release_date.gte=1970-01-01&vote_average.gte=3"
    "&vote_count.gte=10&with_runtime.gte=80&with_runtime.lte=180&sort_by=revenue.desc",
    "unfiltered_page_50": "page=50",
}


def grow(cursor, start: int, end: int, vendor: str) -> None:
    """Movies start+1..end with their genres, credits, keywords and availability; people and keywords scale."""
    rand = "random()" if vendor == "postgresql" else "(abs(random()) / 9223372036854775807.0)"
    people, keywords = end // 2, end // 4
    day = f"date('1950-01-01', '+' || cast({rand} * 27000 as integer) || ' days')"
    if vendor == "postgresql":
        day = f"date '1950-01-01' + floor({rand} * 27000)::int"
    series = _series(vendor)
    cursor.execute(
        f"INSERT INTO movies_person (id, tmdb_id, name, name_normalized, profile_path, known_for_department, "  # noqa: S608 (this script's own integers)
        f"biography, place_of_birth, popularity, adult, created_at, updated_at) "
        f"SELECT i, i, 'Person ' || i, 'person ' || i, '', '', '', '', "
        f"0, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM {series.format(lo=start // 2 + 1, hi=people)}"
    )
    cursor.execute(
        f"INSERT INTO movies_keyword (id, tmdb_id, name) SELECT i, i, 'keyword ' || i "  # noqa: S608
        f"FROM {series.format(lo=start // 4 + 1, hi=keywords)}"
    )
    cursor.execute(
        "INSERT INTO movies_movie (id, tmdb_id, imdb_id, title, original_title, overview, release_date, runtime, "  # noqa: S608
        "popularity, vote_average, vote_count, original_language, adult, poster_path, backdrop_path, revenue, "
        'director, writer, "cast", keywords, videos, source, created_at, updated_at, title_normalized, '
        "titles_normalized) "
        f"SELECT i, i, '', 'Movie ' || i, '', '', {day}, 60 + cast({rand} * 140 as integer), "
        f"1000 * {rand} * {rand} * {rand}, round(cast({rand} * 10 as numeric), 1), "
        f"cast(20000 * {rand} * {rand} * {rand} as integer), "
        f"CASE WHEN {rand} < 0.6 THEN 'en' WHEN {rand} < 0.5 THEN 'fr' ELSE 'ja' END, {rand} < 0.02, '', '', "
        f"CASE WHEN {rand} < 0.5 THEN NULL ELSE cast(1e9 * {rand} as bigint) END, '', '', '[]', '[]', '[]', "
        f"'tmdb', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'movie ' || i, 'movie ' || i "
        f"FROM {series.format(lo=start + 1, hi=end)}"
    )
    links = f"FROM movies_movie m, {series.format(lo=1, hi=10)} WHERE m.id > {start}"
    floor = "floor({x})::int" if vendor == "postgresql" else "cast({x} as integer)"
    skewed = floor.format(x=f"{{n}} * {rand} * {rand}") + " + 1"
    cursor.execute(
        "INSERT INTO movies_movie_genres (movie_id, genre_id) SELECT m.id, "
        f"{skewed.format(n=GENRES)} {links} AND s.i <= 1 + m.id % 3 ON CONFLICT DO NOTHING"
    )
    cursor.execute(
        'INSERT INTO movies_credit (movie_id, person_id, kind, "character", job, department, "order", credit_id) '
        f"SELECT m.id, {skewed.format(n=people)}, CASE WHEN s.i <= 7 THEN 'cast' ELSE 'crew' END, '', '', '', s.i, "
        f"'' {links}"
    )
    cursor.execute(
        'INSERT INTO movies_moviekeyword (movie_id, keyword_id, "order") '
        f"SELECT m.id, {skewed.format(n=keywords)}, s.i {links} AND s.i <= 5 ON CONFLICT DO NOTHING"
    )
    regions = " ".join(f"WHEN {i} THEN '{r}'" for i, r in enumerate(REGIONS))
    cursor.execute(
        "INSERT INTO movies_movieavailability (movie_id, provider_id, region, kind, display_priority) "
        f"SELECT m.id, {skewed.format(n=PROVIDERS)}, CASE cast({rand} * 4 as integer) % 4 {regions} END, "
        f"'flatrate', 0 {links} AND s.i <= 2 ON CONFLICT DO NOTHING"
    )


def _series(vendor: str) -> str:
    if vendor == "postgresql":
        return "generate_series({lo}, {hi}) AS s(i)"
    return "(WITH RECURSIVE r(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM r WHERE i < {hi}) SELECT i FROM r) AS s"


def seed(cursor, vendor: str) -> None:
    if vendor == "postgresql":
        cursor.execute("SELECT setseed(0.42)")  # the same catalog every run
    cursor.execute(
        "INSERT INTO movies_genre (id, tmdb_id, name) "
        + " UNION ALL ".join(f"SELECT {i}, {i}, 'Genre {i}'" for i in range(1, GENRES + 1))
    )
    cursor.execute(
        "INSERT INTO movies_watchprovider (id, tmdb_id, name, logo_path) "
        + " UNION ALL ".join(f"SELECT {i}, {i}, 'Provider {i}', ''" for i in range(1, PROVIDERS + 1))
    )


def measure(client, repeat: int) -> dict:
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection

    # One connection for the whole run, as a worker with persistent connections has.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    executed: list[str] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    figures = {}
    for name, query in QUERIES.items():
        url = f"/api/movies/discover/?{query}"
        executed.clear()
        with connection.execute_wrapper(count):
            response = client.get(url)
        assert response.status_code == 200, response.content
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
        arr = np.array(samples)
        figures[name] = {
            "query": query,
            "count": response.json()["count"],
            "queries": len(executed),
            "p50_ms": round(float(np.percentile(arr, 50)), 1),
            "p95_ms": round(float(np.percentile(arr, 95)), 1),
        }
        print(f"  {name:20s} {figures[name]}", flush=True)
    return figures


def main() -> dict:
    quick = "--quick" in sys.argv
    database = postgres_url("discover")
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        {
            "DATABASE_URL": database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "LOG_LEVEL": "WARNING",
            "THROTTLE_RATES": "anon=1000000/s,user=1000000/s",
            "CACHE_LOCAL_SECONDS": "0",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    result = {"database": vendor, "sizes": {}}
    built = 0
    try:
        with connection.cursor() as cursor:
            seed(cursor, vendor)
        for size in SIZES:
            started = time.perf_counter()
            with connection.cursor() as cursor:
                grow(cursor, built, size, vendor)
                cursor.execute("ANALYZE")
            built = size
            print(f"{size} movies built in {time.perf_counter() - started:.1f}s", flush=True)
            repeat = (10 if quick else 40) if size <= 10_000 else (5 if quick else 20)
            # Caches off: every request a miss (pages are cached like the lists; this measures what a miss costs).
            with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
                figures = measure(Client(HTTP_HOST="localhost"), repeat)
            result["sizes"][str(size)] = {"repeat": repeat, "queries": figures}
    finally:
        connection.close()
        if database:
            drop_postgres(database)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
