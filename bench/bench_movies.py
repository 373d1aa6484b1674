"""The cached movie list under gunicorn, against a bare Django view sending the same bytes; sync throughput.

1. Sync throughput: `manage.py sync_tmdb` against the loopback TMDb stand-in (tests/fakes/tmdb.py):
   list pages (movies/s) and, separately, details (movies/s, one call each).
2. The synced catalog is served by gunicorn (2 workers, gthread with keep-alive).
   `GET /api/movies/?category=popular` (a cache hit after the first request) and `GET /api/bench/bare/`
   (a plain Django view returning the same bytes, routed only because this script sets
   BENCH_BARE_VIEW_BODY for its own server) are driven in alternating rounds by wrk (or a bounded Python
   load generator when wrk is absent): req/s, p99 and the ratio (median of the per-round ratios).

PostgreSQL and Redis are used when DATABASE_URL / REDIS_URL are set and reachable (a throwaway database
`<name>_bench` on the same server, Redis database 15), else a temporary SQLite file and the local-memory
cache. All traffic goes to 127.0.0.1; every phase is bounded in time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from common import (  # noqa: E402
    backend_name,
    drop_postgres,
    free_port,
    get,
    manage,
    postgres_url,
    redis_url,
    server_env,
    start_gunicorn,
    stop_server,
)

from tests.fakes.tmdb import FakeTmdb  # noqa: E402

LIST_MOVIES = 2000  # 100 TMDb pages
DETAIL_MOVIES = 200
DURATION = int(os.environ.get("BENCH_DURATION", "4"))
# Alternating short rounds, ratio = median of the per-round ratios: the machine may be shared and noisy.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
CONNECTIONS = 8
LIST_PATH = "/api/movies/?category=popular&limit=20"
BARE_PATH = "/api/bench/bare/"


def _sync_seconds(output: str) -> float:
    match = re.search(r"Done in ([\d.]+)s", output)
    return float(match.group(1)) if match else float("nan")


def _wrk(url: str, duration: int = DURATION) -> dict[str, float]:
    result = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", "--timeout", "5s", url],
        capture_output=True,
        text=True,
        timeout=duration + 30,
    )
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale, "non_2xx": int(errors.group(1)) if errors else 0}


def _python_load(url: str, duration: int = DURATION) -> dict[str, float]:
    """Bounded fallback: CONNECTIONS threads, each with its own keep-alive connection, for DURATION s."""
    import http.client

    parts = urlsplit(url)
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        mine = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", f"{parts.path}?{parts.query}" if parts.query else parts.path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures[0] += 1
            except Exception:
                failures[0] += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
                continue
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 10)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan")
    return {"rps": len(latencies) / duration, "p99_ms": p99, "non_2xx": failures[0]}


def main() -> int:
    load = _wrk if shutil.which("wrk") else _python_load
    tmp = tempfile.mkdtemp(prefix="bench-movies-")
    database_url = postgres_url("bench")
    redis = redis_url(15)
    env = {**server_env(database_url=database_url, redis=redis, tmp=tmp, prefix="bench"), "TMDB_RATE_LIMIT": "100000"}
    backend = backend_name(database_url, redis)
    print(f"backend: {backend}; load generator: {'wrk' if load is _wrk else 'python'}")
    figures: dict = {"backend": backend, "load_generator": "wrk" if load is _wrk else "python"}
    server = None
    try:
        manage(env, "migrate", "--noinput", "-v0")

        # --- Sync throughput against the stand-in ---
        with FakeTmdb() as fake:
            fake.set_list("popular", list(range(1, LIST_MOVIES + 1)))
            fake.set_list("top_rated", list(range(1, DETAIL_MOVIES + 1)))
            sync_env = {**env, "TMDB_API_BASE_URL": fake.base_url, "TMDB_READ_ACCESS_TOKEN": fake.token}
            _, out = manage(sync_env, "sync_tmdb", "--lists", "popular", "--pages", str(LIST_MOVIES // 20))
            lists_s = _sync_seconds(out)
            _, out = manage(sync_env, "sync_tmdb", "--lists", "popular", "--pages", str(LIST_MOVIES // 20))
            resync_s = _sync_seconds(out)
            _, out = manage(sync_env, "sync_tmdb", "--lists", "top_rated", "--pages", "10", "--details")
            details_s = _sync_seconds(out)
        figures["sync"] = {
            "list_movies": LIST_MOVIES,
            "list_seconds": lists_s,
            "list_movies_per_s": round(LIST_MOVIES / lists_s, 1),
            "resync_seconds": resync_s,
            "resync_movies_per_s": round(LIST_MOVIES / resync_s, 1),
            "details_movies": DETAIL_MOVIES,
            "details_seconds": details_s,
            "details_movies_per_s": round(DETAIL_MOVIES / details_s, 1),
        }
        print(
            f"sync: {LIST_MOVIES} list movies in {lists_s:.1f}s ({LIST_MOVIES / lists_s:.0f} movies/s), "
            f"re-sync {resync_s:.1f}s ({LIST_MOVIES / resync_s:.0f} movies/s), "
            f"{DETAIL_MOVIES} with details in {details_s:.1f}s ({DETAIL_MOVIES / details_s:.0f} movies/s)"
        )

        # --- Cached list vs bare view under gunicorn ---
        port = free_port()
        body_file = Path(tmp) / "bare_body.json"
        server = start_gunicorn({**env, "BENCH_BARE_VIEW_BODY": str(body_file)}, port)
        base = f"http://127.0.0.1:{port}"
        body = get(base + LIST_PATH)
        body_file.write_bytes(body)
        assert get(base + BARE_PATH) == body, "the bare view must send the very same bytes"
        # Warm both workers (each imports the URLconf and fills its caches on its first request).
        for _ in range(2):
            load(base + LIST_PATH, duration=2)
            load(base + BARE_PATH, duration=2)

        runs: dict[str, list[dict]] = {"cached_list": [], "bare_view": []}
        for _ in range(ROUNDS):
            runs["cached_list"].append(load(base + LIST_PATH))
            runs["bare_view"].append(load(base + BARE_PATH))
        for name, results in runs.items():
            figures[name] = {
                "rps": round(statistics.median(r["rps"] for r in results), 1),
                "p99_ms": round(statistics.median(r["p99_ms"] for r in results), 2),
                "non_2xx": sum(r["non_2xx"] for r in results),
                "body_bytes": len(body),
            }
        # A round where either side served nothing (a stalled shared machine) says nothing: left out.
        ratios = [
            c["rps"] / b["rps"]
            for c, b in zip(runs["cached_list"], runs["bare_view"], strict=True)
            if c["rps"] and b["rps"]
        ]
        if not ratios:
            raise RuntimeError("no round served requests on both paths")
        ratio = statistics.median(ratios)
        figures["round_ratios"] = [round(r, 3) for r in ratios]
        figures["ratio"] = round(ratio, 3)
        figures["target_ratio"] = 0.5
        print(
            f"cached list  {LIST_PATH}: {figures['cached_list']['rps']:.0f} req/s, "
            f"p99 {figures['cached_list']['p99_ms']:.1f} ms"
        )
        print(
            f"bare view    {BARE_PATH}: {figures['bare_view']['rps']:.0f} req/s, "
            f"p99 {figures['bare_view']['p99_ms']:.1f} ms"
        )
        print(
            f"ratio cached/bare: {ratio:.2f} (median of {ROUNDS} alternating rounds: "
            f"{', '.join(f'{r:.2f}' for r in ratios)}; target >= 0.5); {len(body)} bytes per response"
        )
    finally:
        if server is not None:
            stop_server(server)
        if database_url:
            drop_postgres(database_url)
        shutil.rmtree(tmp, ignore_errors=True)

    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "movies.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if figures.get("cached_list", {}).get("non_2xx", 1) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
