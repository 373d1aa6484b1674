"""Mirror search (movies, people, all three kinds) and an uncached list page at 10k and 100k synthetic movies:
p50/p95 and SQL per request. People (size/2) and collections (size/50) are added after the movie figures.

A throwaway database is filled with synthetic titles: words drawn from the bundled catalog's real titles
(so common words are as common as in real titles), 1 to 5 per title, plus the real "Aliens" (1986) and
"Amélie". Each request goes through the API (Django's test client, in process) with the caches turned off,
so every one is a miss: the mirror search (`/api/movies/search/?q=`, no TMDb key) over a fixed mix of
queries (whole titles, title prefixes, common and rare words, two words, accented, one- and two-letter
words, misses), and `GET /api/movies/?category=popular&page=N` (uncached; with a catalog change before each
page, so its COUNT over the catalog is made every time, and then pages 1..30 of one catalog version, which
share one COUNT).

PostgreSQL when DATABASE_URL is set and reachable (database `<name>_search`), else SQLite. BENCH_SEARCH_SIZES
(default "10000,100000") sets the catalog sizes. Figures go to bench/results/search.json.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import ROOT, drop_postgres, manage, postgres_url, server_env  # noqa: E402

SEED = 11
QUERIES_PER_KIND = 25
LIST_PAGES = 30


def _catalog() -> list[dict]:
    with gzip.open(ROOT / "movies" / "data" / "demo_catalog.json.gz", "rb") as handle:
        return json.load(handle)["movies"]


def _vocabulary() -> list[str]:
    return [word for film in _catalog() for word in film["title"].split()]


def _name_parts() -> tuple[list[str], list[str]]:
    """First names and surnames of the bundled catalog's real cast (so common ones are as common)."""
    firsts, lasts = [], []
    for film in _catalog():
        for name in film.get("cast") or []:
            parts = name.split()
            if len(parts) >= 2:
                firsts.append(parts[0])
                lasts.append(" ".join(parts[1:]))
    return firsts, lasts


def _fill_graph(size: int) -> tuple[list[str], list[str]]:
    """size/2 people (TMDb ids, real first names and surnames recombined, plus the real Slavoj Žižek and
    Stanley Kubrick) and size/50 collections named after synthetic titles; their names returned."""
    from django.db import connection

    from movies.models import Collection, Person, normalized_name

    rng = random.Random(SEED + 2)
    firsts, lasts = _name_parts()
    names = ["Slavoj Žižek", "Stanley Kubrick"] + [
        f"{rng.choice(firsts)} {rng.choice(lasts)}" for _ in range(size // 2 - 2)
    ]
    people = [
        Person(tmdb_id=i + 1, name=name[:255], name_normalized=normalized_name(name), popularity=rng.paretovariate(1.5))
        for i, name in enumerate(names)
    ]
    Person.objects.bulk_create(people, batch_size=5000)
    words = _vocabulary()
    collections = [f"{' '.join(rng.choices(words, k=rng.randint(1, 3)))} Collection" for _ in range(size // 50)]
    Collection.objects.bulk_create(
        [
            Collection(tmdb_id=i + 1, name=n[:255], name_normalized=normalized_name(n))
            for i, n in enumerate(collections)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        for table in ("movies_person", "movies_collection"):
            cursor.execute(f"VACUUM ANALYZE {table}" if connection.vendor == "postgresql" else "ANALYZE")
    return names, collections


def _name_queries(names: list[str], collections: list[str], titles: list[str]) -> dict[str, list[str]]:
    rng = random.Random(SEED + 3)
    sample = rng.sample(names[2:], QUERIES_PER_KIND * 3)
    return {
        "whole name": sample[:QUERIES_PER_KIND],
        "surname": [n.split()[-1] for n in sample[QUERIES_PER_KIND : 2 * QUERIES_PER_KIND]],
        "name prefix": [n[: rng.randint(3, 6)] for n in sample[2 * QUERIES_PER_KIND :]],
        "first name": [n.split()[0] for n in rng.sample(names[2:], QUERIES_PER_KIND)],
        "collection": [c.removesuffix(" Collection") for c in rng.sample(collections, QUERIES_PER_KIND)],
        "title word": [w for w in rng.sample(_vocabulary(), QUERIES_PER_KIND * 2) if len(w) >= 3][:QUERIES_PER_KIND],
        "named": ["zizek", "kubrick", "Žižek", "aliens", "amelie"] * 5,
        "miss": [f"zq{i}xv" for i in range(QUERIES_PER_KIND)],
    }


def _fill(size: int) -> list[str]:
    import datetime

    from django.db import connection

    from movies.models import Genre, Movie

    rng = random.Random(SEED)
    words = _vocabulary()
    genres = [Genre.objects.get_or_create(tmdb_id=g, defaults={"name": f"Genre {g}"})[0] for g in (18, 28, 35, 878)]
    titles = ["Aliens", "Amélie"] + [" ".join(rng.choices(words, k=rng.randint(1, 5))) for _ in range(size - 2)]
    batch = []
    for i, title in enumerate(titles):
        movie = Movie(
            tmdb_id=i + 1,
            title=title[:255],
            **Movie.normalized_titles(title=title[:255]),
            release_date=datetime.date(1986, 7, 18) if i == 0 else datetime.date(1950 + i % 75, 1 + i % 12, 1),
            popularity=(80.0 if i < 2 else rng.paretovariate(1.5)),
            vote_average=rng.uniform(3, 9),
            vote_count=rng.randint(0, 20000),
            adult=(i % 97 == 0 and i > 1),
        )
        batch.append(movie)
        if len(batch) == 5000 or i == len(titles) - 1:
            Movie.objects.bulk_create(batch)
            batch = []
    through = Movie.genres.through
    pks = list(Movie.objects.values_list("pk", flat=True))
    for start in range(0, len(pks), 20000):
        through.objects.bulk_create(
            [through(movie_id=pk, genre_id=genres[pk % 4].pk) for pk in pks[start : start + 20000]]
        )
    # What autovacuum does to a table after a bulk load: statistics for the planner, and (PostgreSQL) the GIN
    # index's pending list merged, as it would be in a running mirror.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE movies_movie" if connection.vendor == "postgresql" else "ANALYZE")
    return titles


def _queries(titles: list[str]) -> dict[str, list[str]]:
    rng = random.Random(SEED + 1)
    sample = rng.sample(titles[2:], QUERIES_PER_KIND * 4)
    words = [w for t in sample for w in t.split() if len(w) >= 3]
    counts: dict[str, int] = {}
    for title in titles:
        for word in title.lower().split():
            counts[word] = counts.get(word, 0) + 1
    common = [w for w, _ in sorted(counts.items(), key=lambda kv: -kv[1]) if len(w) >= 3][:QUERIES_PER_KIND]
    return {
        "whole title": sample[:QUERIES_PER_KIND],
        "title prefix": [t[: rng.randint(4, 8)] for t in sample[QUERIES_PER_KIND : 2 * QUERIES_PER_KIND]],
        "common word": common,
        "rare word": rng.sample(words, QUERIES_PER_KIND),
        "two words": [" ".join(rng.sample(words, 2)) for _ in range(QUERIES_PER_KIND)],
        "named": ["aliens", "amelie", "AMÉLIE", "Aliens"] * 6 + ["aliens"],
        "short": ["up", "it", "a", "ed", "go"] * 5,
        "miss": [f"zq{i}xv" for i in range(QUERIES_PER_KIND)],
    }


def _timed(client, path: str, params: dict) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(path, params)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, params, response.content[:200])
    return elapsed, len(queries)


def _summary(samples: list[tuple[float, int]]) -> dict:
    times = sorted(t for t, _ in samples)
    return {
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
        "max_queries": max(q for _, q in samples),
    }


def child(size: int) -> dict:
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import override_settings

    started = time.perf_counter()
    titles = _fill(size)
    fill_s = time.perf_counter() - started
    client = Client(HTTP_HOST="127.0.0.1")
    result: dict = {"movies": size, "fill_seconds": round(fill_s, 1)}
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        first = client.get("/api/movies/search/", {"q": "aliens"}).json()["results"][0]
        result["aliens_first"] = f"{first['title']} ({first['release_date'][:4]})"
        by_kind = {}
        everything = []
        for kind, queries in _queries(titles).items():
            samples = [_timed(client, "/api/movies/search/", {"q": q}) for q in queries]
            by_kind[kind] = _summary(samples)
            everything += samples
        result["search"] = {"all": _summary(everything), **by_kind}
        names, collections = _fill_graph(size)
        for path, label in (("/api/people/search/", "people_search"), ("/api/search/", "search_all")):
            by_kind, everything = {}, []
            for kind, queries in _name_queries(names, collections, titles).items():
                samples = [_timed(client, path, {"q": q}) for q in queries]
                by_kind[kind] = _summary(samples)
                everything += samples
            result[label] = {"all": _summary(everything), **by_kind}
        top = client.get("/api/search/", {"q": "kubrick"}).json()["results"][0]
        result["kubrick_first"] = f"{top['media_type']} {top.get('name') or top.get('title')}"
        result["popular_count"] = _count_cost()
    # Uncached popular pages with a real cache: a catalog change before each (nothing cached, the COUNT
    # included), then pages 1..N of one catalog version (their COUNT made once, for page 1).
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
        from movies.cache import catalog_changed

        def page(number: int, *, change: bool) -> tuple[float, int]:
            if change:
                catalog_changed()
            return _timed(client, "/api/movies/", {"category": "popular", "page": number})

        result["popular_page_nothing_cached"] = _summary([page(p, change=True) for p in range(1, LIST_PAGES + 1)])
        catalog_changed()
        result["popular_page_count_shared"] = _summary([page(p, change=False) for p in range(1, LIST_PAGES + 1)])
    return result


def _count_cost() -> dict:
    """What the COUNT behind an uncached popular page costs on its own."""
    from django.db import connection

    from movies.selectors import movie_list

    queryset = movie_list(user=None, category="popular")
    times = []
    for _ in range(15):
        started = time.perf_counter()
        queryset.count()
        times.append((time.perf_counter() - started) * 1000)
    return {"vendor": connection.vendor, "p50_ms": round(statistics.median(times), 2)}


def main() -> int:
    sizes = [int(s) for s in os.environ.get("BENCH_SEARCH_SIZES", "10000,100000").split(",")]
    results = {}
    for size in sizes:
        tmp = tempfile.mkdtemp(prefix="bench-search-")
        database_url = postgres_url("search")
        env = server_env(database_url=database_url, redis=None, tmp=tmp, prefix="search")
        env["CACHE_LOCAL_SECONDS"] = "0"
        try:
            manage(env, "migrate", "--noinput", "-v0")
            out = subprocess.run(
                [sys.executable, __file__, "child", str(size)], cwd=ROOT, env=env, capture_output=True, text=True,
                timeout=1800,
            )  # fmt: skip
            if out.returncode != 0:
                raise RuntimeError(out.stderr[-3000:])
            result = json.loads(out.stdout.strip().splitlines()[-1])
        finally:
            if database_url:
                drop_postgres(database_url)
        result["backend"] = "postgresql" if database_url else "sqlite"
        results[str(size)] = result
        search = result["search"]["all"]
        print(
            f"{size:>7} movies ({result['backend']}, filled in {result['fill_seconds']}s): search p50 "
            f"{search['p50_ms']} ms, p95 {search['p95_ms']} ms over {search['requests']} queries, at most "
            f"{search['max_queries']} queries each; 'aliens' first: {result['aliens_first']}",
            flush=True,
        )
        for kind, figures in result["search"].items():
            if kind != "all":
                print(f"        {kind:13} p50 {figures['p50_ms']:7} ms  p95 {figures['p95_ms']:7} ms")
        for label in ("people_search", "search_all"):
            figures = result[label]["all"]
            print(
                f"        {label}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms over "
                f"{figures['requests']} queries, at most {figures['max_queries']} queries each"
            )
            for kind, each in result[label].items():
                if kind != "all":
                    print(f"          {kind:13} p50 {each['p50_ms']:7} ms  p95 {each['p95_ms']:7} ms")
        print(f"        'kubrick' first in /api/search/: {result['kubrick_first']}")
        for name in ("nothing_cached", "count_shared"):
            page = result[f"popular_page_{name}"]
            print(
                f"        uncached popular page, {name.replace('_', ' ')}: p50 {page['p50_ms']} ms, "
                f"p95 {page['p95_ms']} ms, at most {page['max_queries']} queries"
            )
        print(f"        the COUNT behind it alone: p50 {result['popular_count']['p50_ms']} ms")
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "search.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "child":
        print(json.dumps(child(int(sys.argv[2]))))
    else:
        sys.exit(main())
