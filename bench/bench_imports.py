"""Import throughput: a 20,000-row Letterboxd file imported end to end through the service, then again.

The files are synthetic, in Letterboxd's real headers, built from the demo catalog's titles and years (every
row matches a film; titles with commas are quoted as Letterboxd quotes them):
- diary.csv: 20,000 entries (each film about 2.6 times, on different dates: 20,000 plays and the films
  marked watched);
- ratings.csv: 20,000 ratings (a real one lists each film once; the catalog has fewer films, so each comes up
  about 2.6 times, with the same rating).
Each is timed through `users.imports.services.import_create` with Celery eager, as a worker runs it: the
upload check (the whole file read once), storing it, then matching and writing in batches of
IMPORT_BATCH_ROWS. The second run of the same file writes nothing (idempotent) and is timed too.

SQLite in a throwaway file, and PostgreSQL too when DATABASE_URL names a server (a throwaway database
`<name>_imports_bench` on it, dropped afterwards). Writes bench/results/imports.json.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "imports.json"
ROWS = 20_000


def build_files(films: list[tuple[str, int | None]]) -> dict[str, bytes]:
    start = datetime.date(2015, 1, 1)
    diary, ratings = io.StringIO(), io.StringIO()
    diary_writer, ratings_writer = csv.writer(diary), csv.writer(ratings)
    diary_writer.writerow(["Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Tags", "Watched Date"])
    ratings_writer.writerow(["Date", "Name", "Year", "Letterboxd URI", "Rating"])
    for i in range(ROWS):
        title, year = films[i % len(films)]
        day = (start + datetime.timedelta(days=i % 3650)).isoformat()
        rating = str((i % len(films) % 10 + 1) / 2)  # a film keeps its rating, as in one real export
        uri = f"https://boxd.it/b{i}"
        diary_writer.writerow([day, title, year or "", uri, rating, "Yes" if i >= len(films) else "", "", day])
        ratings_writer.writerow([day, title, year or "", uri, rating])
    return {"diary.csv": diary.getvalue().encode(), "ratings.csv": ratings.getvalue().encode()}


def child(backend: str) -> dict:
    os.environ.update({"DJANGO_SETTINGS_MODULE": "tests.settings", "LOG_LEVEL": "WARNING"})
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    from movies.models import Movie
    from movies.titles import Ambiguous, TitleIndex
    from users.imports.services import import_create
    from users.models import Import, Interaction, Play, User

    call_command("migrate", verbosity=0)
    call_command("load_demo_catalog", verbosity=0)
    # Films a title and year name unambiguously, as they would appear in a real export.
    index = TitleIndex(Movie.objects.all())
    films = []
    for title, released in Movie.objects.order_by("-popularity").values_list("title", "release_date"):
        year = released.year if released else None
        try:
            if year and index.find(title, year) is not None:
                films.append((title, year))
        except Ambiguous:
            continue
    files = build_files(films)
    figures: dict = {"backend": backend, "rows": ROWS, "films": len(films), "catalog": Movie.objects.count()}
    for name, data in files.items():
        user = User.objects.create_user(email=f"bench-{name}@example.com")  # no password: never logs in
        runs = []
        for _ in range(2):
            started = time.perf_counter()
            job = import_create(user=user, format="letterboxd", filename=name, data=data)
            seconds = time.perf_counter() - started
            job = Import.objects.get(pk=job.pk)
            assert job.status == "done" and job.rows == ROWS, (job.status, job.rows, job.error)
            runs.append(
                {
                    "seconds": round(seconds, 2),
                    "rows_per_s": round(ROWS / seconds),
                    "matched": job.matched,
                    "created": job.created,
                    "updated": job.updated,
                    "unchanged": job.unchanged,
                }
            )
        figures[name] = {
            "bytes": len(data),
            "first": runs[0],
            "again": runs[1],
            "plays": Play.objects.filter(user=user).count(),
            "interactions": Interaction.objects.filter(user=user).count(),
        }
        print(
            f"{backend} {name}: {ROWS} rows ({len(data) // 1024} KiB) in {runs[0]['seconds']}s "
            f"({runs[0]['rows_per_s']} rows/s; matched {runs[0]['matched']}, created {runs[0]['created']}); "
            f"again {runs[1]['seconds']}s (created {runs[1]['created']}, unchanged {runs[1]['unchanged']})",
            flush=True,
        )
    return figures


def run_child(backend: str, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", backend], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    sys.stdout.write("\n".join(line for line in out.stdout.splitlines() if not line.startswith("{")) + "\n")
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-4000:])
        raise SystemExit(out.returncode)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    from bench.common import drop_postgres, postgres_url

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SQLITE_PATH": f"{tmp}/bench.sqlite3"}
        env.pop("DATABASE_URL", None)
        results.append(run_child("sqlite", env))
    url = postgres_url("imports_bench")
    if url:
        try:
            results.append(run_child("postgresql", {**os.environ, "DATABASE_URL": url}))
        finally:
            drop_postgres(url)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2])))
        sys.exit(0)
    sys.exit(main())
