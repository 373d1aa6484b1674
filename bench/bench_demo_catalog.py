"""`manage.py load_demo_catalog` wall time on a throwaway SQLite file: first load, then a re-run with nothing to write.

Each run is a whole `manage.py` process (Django start-up included), as `make run` pays it.
Set BENCH_DATABASE_URL to a throwaway PostgreSQL database (it is migrated and filled) to time that instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        env = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url}
        env.pop("REDIS_URL", None)
        _manage(env, "migrate", "--noinput", "-v0")
        first = _manage(env, "load_demo_catalog")
        second = _manage(env, "load_demo_catalog")
    backend = database_url.split(":", 1)[0]
    figures = {"backend": backend, "first_load_s": round(first, 2), "rerun_s": round(second, 2)}
    print(f"load_demo_catalog on {backend}: first load {first:.2f}s, re-run (nothing to write) {second:.2f}s")
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "demo_catalog.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
