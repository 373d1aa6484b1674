"""`sync_tmdb --all` against the loopback TMDb: how fast our side mirrors, and what bounds a 1M-movie run.

The fake TMDb (tests/fakes/tmdb.py, TMDb's shapes, each movie with 10 cast, 3 crew, keywords, videos and
providers in two regions) publishes an export of BENCH_MIRROR_MOVIES (default 2,000) movies; the command runs
in process, twice:
- unthrottled (`TMDB_RATE_LIMIT` 10,000/s): what fetching, parsing and writing cost on our side alone, in
  movies per second, and the process's peak RSS;
- at the default 20 requests/s, for BENCH_MIRROR_THROTTLED (default 200) movies: the shared rate limit
  as the bound, which is what a real run meets.
A third run of the same export checks the resume: nothing fetched twice. PostgreSQL when DATABASE_URL is set
(database `<name>_mirror`), else SQLite. Figures go to bench/results/mirror.json.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import resource
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from common import drop_postgres, postgres_url  # noqa: E402

MOVIES = int(os.environ.get("BENCH_MIRROR_MOVIES", "2000"))
THROTTLED = int(os.environ.get("BENCH_MIRROR_THROTTLED", "200"))


def _run(fake, *, rate: int, limit: int | None) -> dict:
    from django.core.management import call_command
    from django.test.utils import override_settings

    from movies.models import Movie

    before = Movie.objects.count()
    calls = len(fake.calls("/movie/"))
    out = StringIO()
    started = time.perf_counter()
    with override_settings(TMDB_RATE_LIMIT=rate):
        args = ["--all", "--batch-size", "100"] + (["--limit", str(limit)] if limit else [])
        call_command("sync_tmdb", *args, stdout=out)
    seconds = time.perf_counter() - started
    added = Movie.objects.count() - before
    fetched = len(fake.calls("/movie/")) - calls
    lines = out.getvalue().strip().splitlines()
    # The command's own rate (its last progress line): the batches alone, without the index rebuild that
    # follows a catalog change (in process here; a worker's job in production).
    rates = [float(m[1]) for line in lines if (m := re.search(r"movies, ([\d.]+)/s", line))]
    return {
        "rate_limit": rate,
        "movies_added": added,
        "details_calls": fetched,
        "seconds_with_rebuild": round(seconds, 2),
        "movies_per_second": rates[-1] if rates else 0.0,
        "last_line": lines[-1],
    }


def main() -> dict:
    database = postgres_url("mirror")
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        {
            "DATABASE_URL": database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from tests.fakes.tmdb import FakeTmdb

    call_command("migrate", verbosity=0)
    result: dict = {"database": connection.vendor, "export_movies": MOVIES}
    fake = FakeTmdb().start()
    try:
        total = MOVIES + THROTTLED
        fake.add_movies(range(1, total + 1))
        day = timezone.now().astimezone(datetime.UTC).date()
        entries = [
            {"adult": False, "id": i, "original_title": f"Film {i}", "popularity": 1.0, "video": False}
            for i in range(1, total + 1)
        ]
        fake.set_export(day, entries)
        settings.TMDB_API_BASE_URL = fake.base_url
        settings.TMDB_READ_ACCESS_TOKEN = fake.token
        settings.TMDB_EXPORTS_BASE_URL = fake.exports_url
        settings.TMDB_BREAKER_THRESHOLD = 1000
        result["unthrottled"] = _run(fake, rate=10_000, limit=MOVIES)
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        result["at_20_per_second"] = _run(fake, rate=20, limit=THROTTLED)
        result["resume_again"] = _run(fake, rate=10_000, limit=None)
    finally:
        fake.stop()
        connection.close()
        if database:
            drop_postgres(database)
    ours = result["unthrottled"]["movies_per_second"]
    throttled = result["at_20_per_second"]["movies_per_second"]
    result["hours_for_1m"] = {
        "our_side_alone": round(1_000_000 / ours / 3600, 1) if ours else None,
        "at_20_per_second": round(1_000_000 / throttled / 3600, 1) if throttled else None,
    }
    print(json.dumps(result, indent=2))
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "mirror.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
