"""The checks of scripts/ci_production_smoke.sh that need more than a shell: polling HTTP, the worker's log and
the database. Standard library and the project only, so it runs in the requirements.txt-only virtualenv.

    python scripts/smoke_checks.py ready BASE_URL GUNICORN_PID WORKER_PID WORKER_LOG
    python scripts/smoke_checks.py built WORKER_LOG WORKER_PID TIMEOUT_SECONDS
    python scripts/smoke_checks.py requests BASE_URL

Each exits non-zero with one line saying what it saw.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASK = "recommendations.tasks.rebuild_recommendation_index"
# Loopback calls say they came over HTTPS, as the proxy in front of production does (SECURE_PROXY_SSL_HEADER).
HTTPS = {"X-Forwarded-Proto": "https"}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def fail(message: str) -> None:
    sys.exit(f"smoke: {message}")


def ready(base: str, gunicorn_pid: str, worker_pid: str, worker_log: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    server_ready = worker_ready = False
    while time.monotonic() < deadline:
        for name, pid in (("gunicorn", gunicorn_pid), ("the Celery worker", worker_pid)):
            if not alive(int(pid)):
                fail(f"{name} exited before it was ready")
        if not server_ready:
            with contextlib.suppress(OSError):  # not listening yet
                server_ready = get(f"{base}/health/ready/")[0] == 200
        # Celery prints "celery@<name> ready." once it consumes from the broker.
        worker_ready = worker_ready or re.search(r"@\S+ ready\.", Path(worker_log).read_text(errors="replace"))
        if server_ready and worker_ready:
            return
        time.sleep(0.3)
    fail(f"not ready within {timeout:.0f}s (gunicorn /health/ready/: {server_ready}, worker: {bool(worker_ready)})")


def _index_rows() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movie_backend.settings")
    import django

    django.setup()
    from recommendations.models import RecommendationIndex

    return RecommendationIndex.objects.count()


def built(worker_log: str, worker_pid: str, timeout: str) -> None:
    deadline = time.monotonic() + float(timeout)
    while time.monotonic() < deadline:
        log = Path(worker_log).read_text(errors="replace")
        for line in log.splitlines():
            if TASK in line and re.search(r"\] (raised|failed|retry)", line):
                fail(f"the worker did not build the index: {line.strip()}")
        done = [line for line in log.splitlines() if TASK in line and "] succeeded in" in line]
        if done:
            rows = _index_rows()
            if rows != 1:
                fail(f"the worker says it built the index, yet the database holds {rows} index rows")
            print(f"  {done[-1].strip()[:240]}")
            return
        if not alive(int(worker_pid)):
            fail("the Celery worker exited before it built the index")
        time.sleep(0.5)
    fail(f"the worker did not finish {TASK} within {timeout}s")


def requests(base: str) -> None:
    status, _, body = get(f"{base}/api/movies/949/similar/?limit=5", HTTPS)
    if status != 200:
        fail(f"GET /api/movies/949/similar/ answered {status}: {body[:300]!r}")
    ids = [movie["tmdb_id"] for movie in json.loads(body)["results"]]
    if len(ids) != 5 or 949 in ids:
        fail(f"GET /api/movies/949/similar/ listed {ids}")
    status, headers, _ = get(f"{base}/api/movies/?limit=1")
    if status != 301 or not headers.get("Location", "").startswith("https://"):
        fail(f"plain HTTP to the API answered {status}, not a redirect to HTTPS")
    if get(f"{base}/health/")[0] != 200:
        fail("GET /health/ over plain HTTP (as probes call it) did not answer 200")
    if (rows := _index_rows()) != 1:
        fail(f"serving the request built another index ({rows} rows): it should read the worker's")
    print(f"  similar to 949: {ids}; plain HTTP redirects to HTTPS; probes are exempt")


if __name__ == "__main__":
    commands = {"ready": ready, "built": built, "requests": requests}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
