"""`make fuzz`: schemathesis against the live OpenAPI schema of a throwaway server, every operation, with a JWT.

Starts gunicorn on 127.0.0.1 (a free port) over a fresh SQLite file with the demo catalog, local-memory cache,
no TMDb and no LLM, throttles out of the way; registers a user (made staff, so the admin operations are reached),
logs in, and runs `schemathesis run /api/schema/` with `Authorization: Bearer <access>` on every request.
Checks: no 5xx, status codes, content types and bodies the schema documents. Bounded by examples per operation
and a time budget; stops its server whatever happens; exits with schemathesis's code (non-zero on any failure).

The fuzzer's access token stays valid for the whole run: logout and password change blacklist refresh tokens,
never access tokens, and the fuzzer knows neither the refresh token nor the password, so those operations are
fuzzed like any other (their success paths are covered by tests/users/). The token lives 60 minutes here.

    FUZZ_MAX_EXAMPLES=25 FUZZ_MAX_TIME=600 .venv/bin/python bench/fuzz.py [extra schemathesis args]
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
EMAIL = "fuzzer@example.com"
PASSWORD = "fuzz-Password-123!"  # noqa: S105 (a throwaway account in a throwaway database)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback only)
        return json.loads(response.read())


def wait_ready(url: str, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"fuzz: the server exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 (loopback only)
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"fuzz: {url} did not answer within {timeout:.0f}s")


def main(extra: list[str]) -> int:
    max_examples = os.environ.get("FUZZ_MAX_EXAMPLES", "25")
    max_time = os.environ.get("FUZZ_MAX_TIME", "600")
    workers = os.environ.get("FUZZ_WORKERS", "2")
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TMDB_", "OPENAI_", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"))
        }
        env.update(
            SQLITE_PATH=str(Path(tmp) / "fuzz.sqlite3"),
            SECRET_KEY="fuzz-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",  # noqa: S106 (throwaway)
            DEBUG="False",
            SECURE_SSL_REDIRECT="False",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            THROTTLE_RATES="anon=100000/min,user=100000/min,recommend=100000/min,login=100000/min",
            JWT_ACCESS_MINUTES="60",
            CACHE_KEY_PREFIX=f"fuzz{os.getpid()}",
        )
        manage = [str(VENV_BIN / "python"), "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "load_demo_catalog"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server_log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 (closed with the server)
        server = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "movie_backend.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "60",
                # gunicorn's own 414 for a request line over 4 KiB is not the API's; let the app see every URL.
                "--limit-request-line",
                "0",
            ],
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_ready(f"{base}/health/", server)
            post_json(f"{base}/api/auth/register/", {"email": EMAIL, "password": PASSWORD, "name": "Fuzzer"})
            # Staff, so the admin operations are fuzzed past their 403 too.
            grant = f"from users.models import User; User.objects.filter(email={EMAIL!r}).update(is_staff=True)"
            subprocess.run([*manage, "shell", "-c", grant], cwd=ROOT, env=env, check=True)
            access = post_json(f"{base}/api/auth/login/", {"email": EMAIL, "password": PASSWORD})["access"]
            command = [
                str(VENV_BIN / "schemathesis"),
                "run",
                f"{base}/api/schema/",
                "--checks",
                CHECKS,
                "--header",
                f"Authorization: Bearer {access}",
                "--max-examples",
                max_examples,
                "--max-time",
                max_time,
                "--workers",
                workers,
                "--request-timeout",
                "30",
                "--seed",
                os.environ.get("FUZZ_SEED", "1"),
                "--suppress-health-check",
                "all",
                *extra,
            ]
            shown = [c if not c.startswith("Authorization") else "Authorization: Bearer …" for c in command]
            print(f"fuzz: {' '.join(shown)}")
            # --max-time bounds the phases; this bounds everything else (a hung request, a slow shrink).
            try:
                result = subprocess.run(command, cwd=tmp, env=env, timeout=float(max_time) + 300)
            except subprocess.TimeoutExpired:
                print("fuzz: schemathesis overran its time budget by 5 minutes; stopped")
                return 2  # its .schemathesis/ cache goes with the tmp dir
            log = (Path(tmp) / "server.log").read_text(errors="replace")
            (ROOT / "bench" / "results").mkdir(exist_ok=True)
            (ROOT / "bench" / "results" / "fuzz-server.log").write_text(log)
            errors = [line for line in log.splitlines() if " ERROR " in line]
            print(f"fuzz: {len(errors)} server error lines; the server log is in bench/results/fuzz-server.log")
            return result.returncode
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            server_log.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
