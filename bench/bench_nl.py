"""Natural-language recommendations: prompt size against catalog size, and the local (fallback) latency.

    .venv/bin/python bench/bench_nl.py            (or: make bench BENCH=nl)

A throwaway SQLite database is filled with synthetic movies (fixed seed) at 40, 700, 7,000 and 70,000 rows.
At each size it measures, for a set of 15 plain queries:
- prompt tokens of our retrieve-then-rerank prompt (the exact messages the code sends), against the seed's
  naive prompt that lists the whole catalog (one line per movie: id | title | year | genres, no description,
  so the naive figure is a lower bound);
- the local engine's end-to-end service time with no LLM configured (`nl_recommend`, answer cache cleared
  before each call, catalog index warm): p50 and p95; and the one-off index build time.

Tokens are estimated as characters / 4 (the usual rule of thumb for English with OpenAI tokenizers; tiktoken
is not a dependency). No network: the LLM is never called (OPENAI_API_KEY is blanked).
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from movies.genres import TMDB_GENRES  # noqa: E402

SIZES = [40, 700, 7_000, 70_000]
REPEATS = 4
QUERIES = [
    "90s sci-fi",
    "Tom Hanks movies",
    "something scary",
    "I want something funny",
    "a movie for kids",
    "feel-good movie for a rainy day",
    "old classics",
    "recent science fiction",
    "Christopher Nolan films",
    "a rom-com",
    "a thriller, no horror please",
    "best movies of the 1980s",
    "heist movies",
    "animated family movies from the 2000s",
    "I like science fiction with strong female leads",
]
WORDS = re.findall(
    r"\w+",
    "night city last dark star love war dead house road blood king queen secret lost river fire ice girl man "
    "summer winter shadow ghost heart storm island dream time game wild black white red blue gold iron stone "
    "moon sun sea sky world family story return rise fall journey escape hunter heist space alien",
)
FIRST = re.findall(r"\w+", "Tom Anna John Maria Chris Laura James Emma David Sofia Michael Julia Peter Sara Paul Nina")
LAST = re.findall(r"\w+", "Hanks Smith Nolan Garcia Brown Rossi Müller Kim Chen Dubois Novak Silva Jones Weaver Scott")


def setup_django(db_path: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["SQLITE_PATH"] = db_path
    os.environ["OPENAI_API_KEY"] = ""
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def person(rng: random.Random, pool: int) -> str:
    n = rng.randrange(pool)
    return (
        f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]}{'' if n < len(FIRST) * len(LAST) else f' {n}'}"
    )


def add_movies(start: int, stop: int, genres: list, rng: random.Random) -> None:
    from movies.models import Movie

    through = Movie.genres.through
    batch = []
    for i in range(start, stop):
        title = " ".join(rng.choice(WORDS).capitalize() for _ in range(rng.randint(1, 4)))
        batch.append(
            Movie(
                tmdb_id=1_000_000 + i,
                title=title,
                overview="" if rng.random() < 0.8 else f"A {rng.choice(WORDS)} story about {rng.choice(WORDS)}.",
                release_date=date(rng.randint(1930, 2024), rng.randint(1, 12), 1),
                popularity=round(rng.lognormvariate(2, 1), 2),
                vote_average=round(rng.uniform(3, 9), 1),
                vote_count=int(rng.lognormvariate(5, 1.5)),
                director=person(rng, 3000),
                writer=person(rng, 5000),
                cast=[person(rng, 30000) for _ in range(5)],
                keywords=rng.sample(WORDS, 3),
                source=Movie.Source.DEMO,
            )
        )
    created = Movie.objects.bulk_create(batch, batch_size=2000)
    links = [through(movie_id=m.pk, genre_id=g.pk) for m in created for g in rng.sample(genres, rng.randint(1, 3))]
    through.objects.bulk_create(links, batch_size=5000)


def naive_prompt_chars(query: str) -> int:
    """The seed's prompt: the request, then every movie of the catalog."""
    from movies.models import Movie

    names = {}
    chars = len(f"Based on the user's preferences: {query}, recommend 10 movies from the following list:\n")
    through = Movie.genres.through
    for movie_id, genre_name in through.objects.values_list("movie_id", "genre__name").iterator(chunk_size=10000):
        names.setdefault(movie_id, []).append(genre_name)
    for pk, tmdb_id, title, released in Movie.objects.values_list("pk", "tmdb_id", "title", "release_date").iterator(
        chunk_size=10000
    ):
        line = f"{tmdb_id} | {title} | {released.year if released else ''} | {', '.join(names.get(pk, []))}\n"
        chars += len(line)
    return chars


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(str(Path(tmp) / "bench_nl.sqlite3"))
        from django.core.cache import cache

        from movies.models import Genre
        from recommendations import nl

        rng = random.Random(42)
        genres = [Genre.objects.create(tmdb_id=k, name=v) for k, v in TMDB_GENRES.items()]
        rows = []
        have = 0
        for size in SIZES:
            add_movies(have, size, genres, rng)
            have = size
            started = time.perf_counter()
            nl.get_catalog_index()
            build_s = time.perf_counter() - started

            ours = []
            candidates = []
            for query in QUERIES:
                retrieval = nl.nl_retrieve(query=query, limit=10, user=None)
                ours.append(sum(len(m["content"]) for m in retrieval.messages) / 4)
                candidates.append(len(retrieval.movies))
            naive = naive_prompt_chars(QUERIES[0]) / 4

            latencies = []
            for _ in range(REPEATS):
                for query in QUERIES:
                    cache.clear()
                    started = time.perf_counter()
                    answer = nl.nl_recommend(query=query, limit=10)
                    latencies.append((time.perf_counter() - started) * 1000)
                    assert answer.results and answer.source == "fallback"
            row = {
                "movies": size,
                "candidates_max": max(candidates),
                "prompt_tokens_ours_median": round(statistics.median(ours)),
                "prompt_tokens_ours_max": round(max(ours)),
                "prompt_tokens_naive": round(naive),
                "fallback_ms_p50": round(percentile(latencies, 50), 1),
                "fallback_ms_p95": round(percentile(latencies, 95), 1),
                "index_build_s": round(build_s, 3),
            }
            rows.append(row)
            print(
                f"{size:>7} movies: ours {row['prompt_tokens_ours_median']:>6} tokens"
                f" (max {row['prompt_tokens_ours_max']}, {row['candidates_max']} candidates)"
                f" | naive whole catalog {row['prompt_tokens_naive']:>9} tokens"
                f" | fallback p50 {row['fallback_ms_p50']:>6} ms p95 {row['fallback_ms_p95']:>6} ms"
                f" | index build {row['index_build_s']} s",
                flush=True,
            )

    result = {
        "token_rule": "characters / 4",
        "queries": len(QUERIES),
        "requests_per_size": len(QUERIES) * REPEATS,
        "database": "SQLite (throwaway file), local-memory cache",
        "rows": rows,
    }
    out = ROOT / "bench" / "results" / "nl.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
