"""A realistic mix under gunicorn: lists, details, search, similar, genre picks, personalized lists and
favorite writes, driven by wrk (a Lua script choosing each request) for a fixed time.

Prints req/s, p50/p90/p99, responses by status class (the target is zero 5xx) and the SQL queries each kind
of request makes (counted in-process with Django's CaptureQueriesContext on the same database).

PostgreSQL and Redis are used when DATABASE_URL / REDIS_URL are set and reachable (a throwaway database
`<name>_load`, Redis database 14), else SQLite and the local-memory cache. Needs wrk (Debian's package);
without it the figures are skipped with a message. Traffic goes to 127.0.0.1 only; BENCH_LOAD_SECONDS bounds
the run (default 20).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
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

SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "20"))
CONNECTIONS = 16
USERS = 40
SEED = 7

# What a front end asks for, per 100 requests.
MIX = {
    "list": 25,
    "trending": 5,
    "genre_filter": 5,
    "details": 20,
    "search": 10,
    "similar": 12,
    "genre_picks": 8,
    "personalized": 10,
    "favorite_add": 5,
}

SEED_USERS = f"""
import json, random
from movies.models import Movie
from users.models import User
from users.services import favorite_add, interaction_record
from rest_framework_simplejwt.tokens import RefreshToken
rng = random.Random({SEED})
popular = list(Movie.objects.order_by("-popularity").values_list("tmdb_id", flat=True)[:300])
tokens = []
for i in range({USERS}):
    user, _ = User.objects.get_or_create(email=f"load{{i}}@example.com", defaults={{"name": f"Load {{i}}"}})
    for tmdb_id in rng.sample(popular, 6):
        favorite_add(user=user, tmdb_id=tmdb_id)
    for tmdb_id in rng.sample(popular, 4):
        interaction_record(user=user, tmdb_id=tmdb_id, type="liked")
    tokens.append(str(RefreshToken.for_user(user).access_token))
print(json.dumps({{"tokens": tokens, "popular": popular}}))
"""

COUNT_QUERIES = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
requests = json.loads({requests!r})
client = Client(HTTP_HOST="127.0.0.1")
out = {{}}
for kind, method, path, auth, body in requests:
    headers = {{"HTTP_AUTHORIZATION": auth}} if auth else {{}}
    call = client.post if method == "POST" else client.get
    kwargs = {{"data": body, "content_type": "application/json"}} if body else {{}}
    call(path, **kwargs, **headers)  # warm: the first call of a kind may fill caches
    with CaptureQueriesContext(connection) as ctx:
        response = call(path, **kwargs, **headers)
    out[kind] = {{"status": response.status_code, "queries": len(ctx.captured_queries)}}
print(json.dumps(out))
"""

LUA = """
local reqs = %(requests)s
threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) %% 1000)
  s2, s4, s5 = 0, 0, 0
end
function request()
  local r = reqs[math.random(#reqs)]
  local headers = {}
  if r[3] ~= "" then headers["Authorization"] = r[3] end
  if r[4] ~= "" then headers["Content-Type"] = "application/json" end
  return wrk.format(r[1], r[2], headers, r[4] ~= "" and r[4] or nil)
end
function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1 elseif status >= 400 then s4 = s4 + 1 else s2 = s2 + 1 end
end
function done(summary, latency, requests)
  local t2, t4, t5 = 0, 0, 0
  for _, t in ipairs(threads) do t2 = t2 + t:get("s2"); t4 = t4 + t:get("s4"); t5 = t5 + t:get("s5") end
  io.write(string.format("STATUS %%d %%d %%d\\n", t2, t4, t5))
  local p = function(q) return latency:percentile(q) end
  io.write(string.format("LATENCY %%d %%d %%d\\n", p(50), p(90), p(99)))
end
"""


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for these ASCII values


def build_requests(tokens: list[str], popular: list[int], genres: list[int]) -> list[tuple[str, str, str, str, str]]:
    """(kind, method, path, authorization, body) in MIX proportions, from a fixed seed."""
    rng = random.Random(SEED)
    words = ["love", "war", "night", "star", "king", "dead", "city", "man", "dark", "girl"]

    def one(kind: str) -> tuple[str, str, str, str, str]:
        movie = rng.choice(popular[:200])
        auth = f"Bearer {rng.choice(tokens)}"
        page = rng.choice([1, 1, 1, 2, 3])
        return {
            "list": (kind, "GET", f"/api/movies/?category={rng.choice(['popular', 'top_rated'])}&page={page}", "", ""),
            "trending": (kind, "GET", "/api/movies/trending/?window=week", "", ""),
            "genre_filter": (kind, "GET", f"/api/movies/?genre={rng.choice(genres)}", "", ""),
            "details": (kind, "GET", f"/api/movies/{movie}/", "", ""),
            "search": (kind, "GET", f"/api/movies/search/?q={rng.choice(words)}", "", ""),
            "similar": (kind, "GET", f"/api/movies/{movie}/similar/?limit=10", "", ""),
            "genre_picks": (kind, "GET", f"/api/recommendations/genre/{rng.choice(genres)}/", "", ""),
            "personalized": (kind, "GET", "/api/users/me/recommendations/", auth, ""),
            "favorite_add": (kind, "POST", "/api/users/me/favorites/", auth, json.dumps({"tmdb_id": movie})),
        }[kind]

    return [one(kind) for kind, weight in MIX.items() for _ in range(weight * 4)]


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk): load mix skipped")
        return 0
    tmp = tempfile.mkdtemp(prefix="bench-load-")
    database_url = postgres_url("load")
    redis = redis_url(14)
    env = server_env(database_url=database_url, redis=redis, tmp=tmp, prefix="load")
    backend = backend_name(database_url, redis)
    print(f"backend: {backend}; {SECONDS}s of wrk with {CONNECTIONS} connections, 2 gunicorn workers")
    figures: dict = {"backend": backend, "seconds": SECONDS, "connections": CONNECTIONS, "mix": MIX}
    server = None
    try:
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_demo_catalog")
        manage(env, "build_recommendations")
        _, out = manage(env, "shell", "-c", SEED_USERS)
        seeded = json.loads(out.strip().splitlines()[-1])
        genres = [28, 35, 18, 878, 53, 27, 10749]
        requests = build_requests(seeded["tokens"], seeded["popular"], genres)

        one_per_kind = list({r[0]: r for r in requests}.values())
        _, out = manage(env, "shell", "-c", COUNT_QUERIES.format(requests=json.dumps(one_per_kind)))
        figures["queries_per_request"] = json.loads(out.strip().splitlines()[-1])

        lua_rows = ",\n".join(
            "{" + ", ".join(_lua_string(v) for v in (method, path, auth, body)) + "}"
            for _kind, method, path, auth, body in requests
        )
        script = Path(tmp) / "mix.lua"
        script.write_text(LUA % {"requests": "{\n" + lua_rows + "\n}"})

        port = free_port()
        server = start_gunicorn(env, port)
        base = f"http://127.0.0.1:{port}"
        # Warm-up: each worker imports everything and loads the recommendation index on first use.
        subprocess.run(["wrk", "-t2", "-c4", "-d3s", "-s", str(script), base], capture_output=True, timeout=60)
        started = time.monotonic()
        result = subprocess.run(
            ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "10s", "-s", str(script), base],
            capture_output=True,
            text=True,
            timeout=SECONDS + 60,
        )
        out = result.stdout
        status = [int(x) for x in re.search(r"STATUS (\d+) (\d+) (\d+)", out).groups()]
        latency_us = [int(x) for x in re.search(r"LATENCY (\d+) (\d+) (\d+)", out).groups()]
        figures.update(
            {
                "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
                "p50_ms": latency_us[0] / 1000,
                "p90_ms": latency_us[1] / 1000,
                "p99_ms": latency_us[2] / 1000,
                "responses": {"2xx_3xx": status[0], "4xx": status[1], "5xx": status[2]},
                "wall_seconds": round(time.monotonic() - started, 1),
            }
        )
        print(
            f"mix: {figures['rps']:.0f} req/s, p50 {figures['p50_ms']:.1f} ms, p90 {figures['p90_ms']:.1f} ms, "
            f"p99 {figures['p99_ms']:.1f} ms; responses 2xx/3xx {status[0]}, 4xx {status[1]}, 5xx {status[2]}"
        )
        print(
            "SQL queries per request (warm): "
            + ", ".join(f"{kind} {v['queries']} ({v['status']})" for kind, v in figures["queries_per_request"].items())
        )
    finally:
        if server is not None:
            stop_server(server)
        if database_url:
            drop_postgres(database_url)
        shutil.rmtree(tmp, ignore_errors=True)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "load.json").write_text(json.dumps(figures, indent=2))
    return 1 if figures["responses"]["5xx"] else 0


if __name__ == "__main__":
    sys.exit(main())
