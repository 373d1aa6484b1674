"""Warm public pages under gunicorn against a bare Django view sending the same bytes, sync and gthread workers.

The bundled catalog is loaded into a throwaway database; gunicorn serves it with 2 workers, first `sync`
(one request at a time per worker, a connection per request), then `gthread` (4 threads, keep-alive). For
each target, wrk (16 connections, 2 threads) drives alternating rounds of BENCH_DURATION seconds (default 4)
against the target and against `GET /api/bench/bare/<target>/`, a plain Django view on the same server
sending the very bytes the target sends (routed only because this script sets BENCH_BARE_VIEW_BODY for its
own server). The ratio is the median of the per-round ratios of req/s (the machine may be shared and noisy).
Beside it, the CPU the gunicorn workers spent per request on each path (from /proc, so other load on a shared
machine barely moves it) gives a second ratio, bare CPU / page CPU: what the throughput ratio would be on an
idle machine where the workers are the bottleneck (Redis's own CPU for the throttle's INCR is not in it).

Targets, all anonymous and warm (each answered once before measuring):
- list:   GET /api/movies/?category=popular&limit=20
- detail: GET /api/movies/<the most popular film>/
- discover: GET /api/movies/discover/?with_genres=878&primary_release_date.gte=1990-01-01&sort_by=vote_average.desc
- 304:    the list again with `If-None-Match: <its ETag>` (the bare view sends an empty 200)

Throttling stays on (anon at 1,000,000/s): every request still costs its INCR in Redis. PostgreSQL and Redis
are used when DATABASE_URL / REDIS_URL are set and reachable (database `<name>_warm`, Redis database
BENCH_REDIS_DB, default 13, flushed first), else SQLite and the local-memory cache. BENCH_WORKERS=sync or
gthread runs one kind only. BENCH_PROFILE=1 also prints where one warm list request spends its time
(cProfile over 2,000 in-process requests on the same settings).
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
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    ROOT,
    backend_name,
    drop_postgres,
    free_port,
    manage,
    postgres_url,
    redis_url,
    server_env,
    start_gunicorn,
    stop_server,
)

DURATION = int(os.environ.get("BENCH_DURATION", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
CONNECTIONS = 16
TARGET_RATIO = 0.6
LIST_PATH = "/api/movies/?category=popular&limit=20"
DISCOVER_PATH = "/api/movies/discover/?with_genres=878&primary_release_date.gte=1990-01-01&sort_by=vote_average.desc"
BARE_PATH = "/api/bench/bare/{name}/"


def _workers_cpu(master_pid: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn master's worker processes."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:  # fields[1] is the parent pid; utime and stime are fields 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _wrk(
    url: str, *, headers: dict[str, str] | None = None, duration: int = DURATION, master_pid: int = 0
) -> dict[str, float]:
    header_args = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    cpu_before = _workers_cpu(master_pid) if master_pid else 0.0
    result = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", "--timeout", "5s", *header_args, url],
        capture_output=True,
        text=True,
        timeout=duration + 30,
    )
    out = result.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rps is None:
        raise RuntimeError(f"wrk failed: {result.stdout}\n{result.stderr}")
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    cpu = (_workers_cpu(master_pid) - cpu_before) if master_pid else 0.0
    return {
        "rps": float(rps.group(1)),
        "cpu_us_per_request": cpu / requests * 1e6 if requests else 0.0,
        "p99_ms": float(p99.group(1)) * scale,
        "non_2xx_3xx": int(errors.group(1)) if errors else 0,
        "socket_errors": sum(int(g) for g in socket_errors.groups()) if socket_errors else 0,
    }


def _fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # 127.0.0.1 only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:  # a 304 arrives as an HTTPError
        return exc.code, dict(exc.headers), exc.read()


def _targets(base: str, detail_id: int) -> dict[str, dict]:
    list_status, list_headers, list_body = _fetch(base + LIST_PATH)
    detail_status, _, detail_body = _fetch(f"{base}/api/movies/{detail_id}/")
    discover_status, _, discover_body = _fetch(base + DISCOVER_PATH)
    assert list_status == detail_status == discover_status == 200, (list_status, detail_status, discover_status)
    targets = {
        "list": {"path": LIST_PATH, "headers": {}, "body": list_body},
        "detail": {"path": f"/api/movies/{detail_id}/", "headers": {}, "body": detail_body},
        "discover": {"path": DISCOVER_PATH, "headers": {}, "body": discover_body},
    }
    etag = list_headers.get("ETag")
    if etag:
        status, _, body = _fetch(base + LIST_PATH, {"If-None-Match": etag})
        assert status == 304 and body == b"", (status, body[:80])
        targets["304"] = {"path": LIST_PATH, "headers": {"If-None-Match": etag}, "body": b""}
    else:
        print("the list sends no ETag: the 304 target is skipped")
    return targets


def _measure(base: str, targets: dict[str, dict], master_pid: int) -> dict:
    figures = {}
    for name, target in targets.items():
        url, bare = base + target["path"], base + BARE_PATH.format(name=name)
        _wrk(url, headers=target["headers"], duration=2)  # warm both workers on both paths
        _wrk(bare, duration=2)
        rounds = [
            (_wrk(url, headers=target["headers"], master_pid=master_pid), _wrk(bare, master_pid=master_pid))
            for _ in range(ROUNDS)
        ]
        ratios = [page["rps"] / bare["rps"] for page, bare in rounds if page["rps"] and bare["rps"]]
        page_cpu = statistics.median(page["cpu_us_per_request"] for page, _ in rounds)
        bare_cpu = statistics.median(bare["cpu_us_per_request"] for _, bare in rounds)
        figures[name] = {
            "path": target["path"],
            "rps": round(statistics.median(page["rps"] for page, _ in rounds), 1),
            "bare_rps": round(statistics.median(bare["rps"] for _, bare in rounds), 1),
            "p99_ms": round(statistics.median(page["p99_ms"] for page, _ in rounds), 2),
            "bare_p99_ms": round(statistics.median(bare["p99_ms"] for _, bare in rounds), 2),
            "errors": sum(page["non_2xx_3xx"] for page, _ in rounds),
            "round_ratios": [round(r, 3) for r in ratios],
            "ratio": round(statistics.median(ratios), 3) if ratios else None,
            "cpu_us_per_request": round(page_cpu, 1),
            "bare_cpu_us_per_request": round(bare_cpu, 1),
            "cpu_ratio": round(bare_cpu / page_cpu, 3) if page_cpu else None,
            "body_bytes": len(target["body"]),
        }
        f = figures[name]
        print(
            f"  {name:6} {f['rps']:7.0f} req/s vs bare {f['bare_rps']:7.0f} req/s: ratio {f['ratio']} "
            f"(rounds {', '.join(map(str, f['round_ratios']))}; p99 {f['p99_ms']} ms vs {f['bare_p99_ms']} ms; "
            f"{f['body_bytes']} bytes; {f['errors']} errors); worker CPU {f['cpu_us_per_request']} us vs "
            f"{f['bare_cpu_us_per_request']} us a request: ratio {f['cpu_ratio']}",
            flush=True,
        )
    return figures


PROFILE_SCRIPT = """
import cProfile, pstats, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
path = {path!r}
assert client.get(path).status_code == 200
for _ in range(200):
    client.get(path)
profile = cProfile.Profile()
profile.enable()
for _ in range(2000):
    client.get(path)
profile.disable()
pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
"""


def _profile(env: dict[str, str]) -> None:
    code = PROFILE_SCRIPT.format(path=LIST_PATH)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    print(result.stdout[-12000:] or result.stderr[-4000:])


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk): skipped")
        return 0
    tmp = tempfile.mkdtemp(prefix="bench-warm-")
    database_url = postgres_url("warm")
    redis = redis_url(int(os.environ.get("BENCH_REDIS_DB", "13")))
    env = server_env(database_url=database_url, redis=redis, tmp=tmp, prefix="warm")
    backend = backend_name(database_url, redis)
    kinds = [os.environ["BENCH_WORKERS"]] if os.environ.get("BENCH_WORKERS") else ["sync", "gthread"]
    figures: dict = {"backend": backend, "connections": CONNECTIONS, "rounds": ROUNDS, "duration_s": DURATION}
    print(f"backend: {backend}; wrk, {CONNECTIONS} connections, {ROUNDS} alternating rounds of {DURATION}s")
    server = None
    try:
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_demo_catalog")
        _, out = manage(env, "shell", "-c", "from movies.models import Movie; print(Movie.objects.first().tmdb_id)")
        detail_id = int(out.split()[-1])
        body_file = Path(tmp) / "bare_body"
        env["BENCH_BARE_VIEW_BODY"] = str(body_file)
        body_file.write_bytes(b"")
        if os.environ.get("BENCH_PROFILE"):
            _profile(env)
        for kind in kinds:
            port = free_port()
            server = start_gunicorn(env, port, workers=2, worker_class=kind)
            base = f"http://127.0.0.1:{port}"
            targets = _targets(base, detail_id)
            for name, target in targets.items():
                Path(f"{body_file}.{name}").write_bytes(target["body"])
                assert _fetch(base + BARE_PATH.format(name=name))[2] == target["body"]
            print(f"{kind} workers:", flush=True)
            figures[kind] = _measure(base, targets, server.pid)
            stop_server(server)
            server = None
    finally:
        if server is not None:
            stop_server(server)
        if database_url:
            drop_postgres(database_url)
        shutil.rmtree(tmp, ignore_errors=True)

    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "warm.json").write_text(json.dumps(figures, indent=2) + "\n")
    ratios = [f["ratio"] for kind in kinds for f in figures[kind].values() if f["ratio"] is not None]
    errors = sum(f["errors"] for kind in kinds for f in figures[kind].values())
    print(f"lowest ratio {min(ratios)} (target >= {TARGET_RATIO}); {errors} errors")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
