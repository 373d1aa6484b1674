"""`make bench`: run every bench/bench_*.py in turn, each in its own process, and stop at the first failure.

Each benchmark prints its figures (ratios measured in one run where it compares) and writes them as JSON
under bench/results/ (ignored by git). `make bench BENCH=name` runs only bench/bench_<name>.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    only = os.environ.get("BENCH")
    scripts = sorted(HERE.glob("bench_*.py"))
    if only:
        scripts = [s for s in scripts if s.stem == f"bench_{only}"]
    if not scripts:
        print("no benchmarks found", file=sys.stderr)
        return 1
    (HERE / "results").mkdir(exist_ok=True)
    for script in scripts:
        print(f"== {script.stem} ==", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        print(f"== {script.stem}: exit {result.returncode} in {time.perf_counter() - started:.1f}s ==", flush=True)
        if result.returncode != 0:
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
