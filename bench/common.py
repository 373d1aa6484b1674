"""What the server benchmarks share: throwaway PostgreSQL/Redis (or SQLite/local memory), manage.py, gunicorn.

All traffic goes to 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_url(suffix: str = "bench") -> str | None:
    """A fresh database `<name>_<suffix>` on the DATABASE_URL server, or None (use SQLite)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    try:
        import psycopg2

        parts = urlsplit(url)
        bench_db = f"{parts.path.lstrip('/') or 'movie_backend'}_{suffix}"
        # The maintenance database: the configured one need not exist yet.
        conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")), connect_timeout=3)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{bench_db}"')
        conn.close()
        return urlunsplit(parts._replace(path=f"/{bench_db}"))
    except Exception as exc:
        print(f"PostgreSQL not usable ({type(exc).__name__}); using SQLite")
        return None


def drop_postgres(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")), connect_timeout=3)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
    conn.close()


def redis_url(db: int = 15) -> str | None:
    """REDIS_URL's server with database `db`, flushed, or None (use the local-memory cache)."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return None
    try:
        import redis

        bench_url = urlunsplit(urlsplit(url)._replace(path=f"/{db}"))
        client = redis.Redis.from_url(bench_url, socket_connect_timeout=2)
        client.flushdb()
        return bench_url
    except Exception as exc:
        print(f"Redis not usable ({type(exc).__name__}); using the local-memory cache")
        return None


def server_env(*, database_url: str | None, redis: str | None, tmp: str, prefix: str) -> dict[str, str]:
    """Production-shaped settings (DEBUG off) for a benchmark's own server, throttles out of the way."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite:///{tmp}/bench.sqlite3",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "False",
        "SECURE_SSL_REDIRECT": "False",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "CACHE_KEY_PREFIX": prefix,
        "THROTTLE_RATES": "anon=1000000/s,user=1000000/s,recommend=1000000/s,login=1000000/s",
        "TMDB_API_KEY": "",
        "TMDB_READ_ACCESS_TOKEN": "",
        "OPENAI_API_KEY": "",
        "DJANGO_SETTINGS_MODULE": "movie_backend.settings",
    }
    env.pop("REDIS_URL", None)
    if redis:
        env["REDIS_URL"] = redis
    return env


def backend_name(database_url: str | None, redis: str | None) -> str:
    return f"{'postgresql' if database_url else 'sqlite'}+{'redis' if redis else 'locmem'}"


def manage(env: dict[str, str], *args: str, timeout: int = 600) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - started, result.stdout


def get(url: str, timeout: float = 10) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # 127.0.0.1 only
        return response.read()


def wait_for(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            get(url, timeout=1)
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"server did not come up: {url}")


def start_gunicorn(
    env: dict[str, str], port: int, *, workers: int = 2, threads: int = 4, worker_class: str = "gthread"
) -> subprocess.Popen:
    """gunicorn with gthread workers and keep-alive by default: sync workers close every connection, and at
    these rates the churn of new loopback connections (SYN retries, TIME_WAIT) is measured along with the app.
    `worker_class="sync"` serves one request at a time per worker, the way the default deployment does."""
    worker_args = ["--worker-class", worker_class]
    if worker_class == "gthread":
        worker_args += ["--threads", str(threads), "--keep-alive", "10"]
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "movie_backend.wsgi",
            "--workers",
            str(workers),
            *worker_args,
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for(f"http://127.0.0.1:{port}/health/", time.monotonic() + 60)
    return server


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
