"""A loopback TMDb stand-in: a threaded HTTP server on 127.0.0.1 serving TMDb-shaped JSON.

It checks credentials the way TMDb does (v4 bearer token or v3 `api_key`), pages lists by 20, records
every request, and can be told to fail: `fake.fail("/movie/popular", status=503, times=2)`, answer
garbage, or be slow (`fake.delay = 0.5`). Used by the tests and by bench/bench_movies.py.

Details honour `append_to_response` (credits, keywords, videos, watch/providers); `/person/{id}` and
`/collection/{id}` are derived from the movies served (tests/fakes/tmdb_graph.py). `add_real_movie(550)`
serves a recorded TMDb answer from ../shared/data/realtmdb/.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes import tmdb_graph

GENRES = [
    {"id": 28, "name": "Action"},
    {"id": 12, "name": "Adventure"},
    {"id": 16, "name": "Animation"},
    {"id": 35, "name": "Comedy"},
    {"id": 18, "name": "Drama"},
    {"id": 878, "name": "Science Fiction"},
]
PAGE_SIZE = 20
API_KEY = "fake-v3-key-0123456789"
TOKEN = "fake-v4-token-abcdefghijklmnop"


def movie(tmdb_id: int, **overrides: Any) -> dict:
    """A TMDb list item."""
    data = {
        "id": tmdb_id,
        "title": f"Film {tmdb_id}",
        "original_title": f"Film {tmdb_id}",
        "overview": f"The story of film {tmdb_id}.",
        "release_date": "2020-05-01",
        "popularity": float(1000 - tmdb_id % 1000),
        "vote_average": 7.5,
        "vote_count": 1200,
        "original_language": "en",
        "adult": False,
        "poster_path": f"/poster{tmdb_id}.jpg",
        "backdrop_path": f"/backdrop{tmdb_id}.jpg",
        "genre_ids": [18, 878] if tmdb_id % 2 else [28],
    }
    data.update(overrides)
    return data


@dataclass
class Failure:
    status: int = 503
    body: Any = None  # dict -> JSON; bytes -> sent as is
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = None  # None: until cleared
    page: int | None = None  # only this page of a list


@dataclass
class Recorded:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


class FakeTmdb:
    def __init__(self, *, api_key: str = API_KEY, token: str = TOKEN):
        self.api_key = api_key
        self.token = token
        self.movies: dict[int, dict] = {}
        self.lists: dict[str, list[int]] = {}
        self.recommendations: dict[int, list[int]] = {}
        self.changes: list[int] = []  # changed on any day asked for
        self.changes_on: dict[str, list[int]] = {}  # "YYYY-MM-DD" -> ids changed that day
        self.exports: dict[str, bytes] = {}  # file name -> gzipped bytes
        self.details_extra: dict[int, dict] = {}  # details-only fields: a recorded answer, belongs_to_collection
        self.appended: dict[int, dict] = {}  # per movie: "credits", "keywords", "videos", "watch/providers"
        self.people: dict[int, dict] = {}  # person fields beyond what their credits say
        self.collections: dict[int, dict] = {}
        self.failures: dict[str, Failure] = {}
        self.delay = 0.0
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- setup --

    def add_movies(self, ids, **overrides) -> None:
        for tmdb_id in ids:
            self.movies[tmdb_id] = movie(tmdb_id, **overrides)

    def add_real_movie(self, tmdb_id: int) -> dict:
        """Serve a recorded TMDb answer (and its recorded credits and keywords); returns the details base."""
        base, parts = tmdb_graph.load_real_movie(tmdb_id)
        self.movies[tmdb_id] = tmdb_graph.list_item(base)
        self.details_extra[tmdb_id] = base
        self.appended.setdefault(tmdb_id, {}).update(parts)
        return base

    def set_appended(self, tmdb_id: int, **parts) -> None:
        """Override what details append, e.g. `set_appended(7, videos={"results": []})` (use "watch_providers")."""
        self.appended.setdefault(tmdb_id, {}).update(
            {k.replace("watch_providers", "watch/providers"): v for k, v in parts.items()}
        )

    def set_collection(self, collection: dict, ids: list[int]) -> None:
        """Make `ids` the parts of `collection` ({"id", "name", "poster_path", "backdrop_path", "overview"?})."""
        self.collections[collection["id"]] = collection
        short = {k: collection.get(k) for k in ("id", "name", "poster_path", "backdrop_path")}
        for tmdb_id in ids:
            self.movies.setdefault(tmdb_id, movie(tmdb_id))
            self.details_extra.setdefault(tmdb_id, {})["belongs_to_collection"] = short

    def set_export(self, day, entries: list[dict]) -> None:
        """Publish a daily id export (gzipped JSON lines) at /p/exports/movie_ids_MM_DD_YYYY.json.gz."""
        lines = "".join(json.dumps(entry) + "\n" for entry in entries).encode()
        self.exports[f"movie_ids_{day:%m_%d_%Y}.json.gz"] = gzip.compress(lines, mtime=0)

    @property
    def exports_url(self) -> str:
        return self.base_url.removesuffix("/3") + "/p/exports"

    def set_list(self, name: str, ids: list[int]) -> None:
        for tmdb_id in ids:
            self.movies.setdefault(tmdb_id, movie(tmdb_id))
        self.lists[name] = list(ids)

    def fail(self, path_prefix: str, *, status=503, body: Any = None, headers=None, times=None, page=None) -> None:
        self.failures[path_prefix] = Failure(status=status, body=body, headers=headers or {}, times=times, page=page)

    def heal(self) -> None:
        self.failures.clear()

    def calls(self, path_prefix: str = "") -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    # -- server --

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/3"

    def start(self) -> FakeTmdb:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body in one segment: without this, keep-alive requests stall on delayed ACKs.
            wbufsize = -1
            disable_nagle_algorithm = True

            def do_GET(self):  # noqa: N802
                fake._handle(self)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTmdb:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- request handling --

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        path = parts.path.removeprefix("/3")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.requests.append(Recorded(path, query, dict(handler.headers.items())))
        if self.delay:
            time.sleep(self.delay)
        status, body, headers = self._route(path, query, handler.headers.get("Authorization", ""))
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json;charset=utf-8")
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def _route(self, path: str, query: dict, authorization: str):
        for prefix, failure in list(self.failures.items()):
            if path.startswith(prefix) and (failure.page is None or str(failure.page) == query.get("page", "1")):
                with self._lock:
                    if failure.times is not None:
                        failure.times -= 1
                        if failure.times <= 0:
                            self.failures.pop(prefix, None)
                body = failure.body if failure.body is not None else {"status_code": 11, "status_message": "down"}
                return failure.status, body, failure.headers
        if path.startswith("/p/exports/"):  # the files host: no key
            name = path.removeprefix("/p/exports/")
            return (200, self.exports[name], {}) if name in self.exports else (404, b"Not Found", {})
        if authorization != f"Bearer {self.token}" and query.get("api_key") != self.api_key:
            return 401, {"status_code": 7, "status_message": "Invalid API key.", "success": False}, {}
        page = int(query.get("page") or 1)

        if path == "/genre/movie/list":
            return 200, {"genres": GENRES}, {}
        if path == "/configuration":
            return (
                200,
                {
                    "images": {
                        "base_url": "http://image.example.org/t/p/",
                        "secure_base_url": "https://image.example.org/t/p/",
                        "poster_sizes": ["w185", "w500", "original"],
                        "backdrop_sizes": ["w780", "w1280", "original"],
                        "profile_sizes": ["w185"],
                    }
                },
                {},
            )
        if m := re.fullmatch(r"/trending/movie/(day|week)", path):
            return 200, self._page(self.lists.get(f"trending_{m[1]}", []), page), {}
        if m := re.fullmatch(r"/movie/(popular|top_rated|now_playing|upcoming)", path):
            return 200, self._page(self.lists.get(m[1], []), page), {}
        if path == "/search/movie":
            words = (query.get("query") or "").lower().split()
            ids = [
                i
                for i, data in sorted(self.movies.items(), key=lambda kv: -kv[1]["popularity"])
                if all(w in data["title"].lower() for w in words)
                and (not query.get("year") or data["release_date"].startswith(query["year"]))
            ]
            return 200, self._page(ids, page), {}
        if path == "/discover/movie":
            genre = int(query.get("with_genres") or 0)
            ids = [i for i, data in sorted(self.movies.items()) if not genre or genre in data["genre_ids"]]
            return 200, self._page(ids, page), {}
        if path == "/movie/changes":
            start, end = query.get("start_date", ""), query.get("end_date", "9999")
            dated = [i for day, on in sorted(self.changes_on.items()) if start <= day <= end for i in on]
            ids = list(dict.fromkeys(self.changes + dated))
            chunk = ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            return (
                200,
                {
                    "results": [{"id": i, "adult": False} for i in chunk],
                    "page": page,
                    "total_pages": max(1, -(-len(ids) // PAGE_SIZE)),
                    "total_results": len(ids),
                },
                {},
            )
        if m := re.fullmatch(r"/movie/(\d+)/recommendations", path):
            if int(m[1]) not in self.movies:
                return 404, _not_found(), {}
            return 200, self._page(self.recommendations.get(int(m[1]), []), page), {}
        if m := re.fullmatch(r"/movie/(\d+)", path):
            tmdb_id = int(m[1])
            if tmdb_id not in self.movies:
                return 404, _not_found(), {}
            return 200, self._details(tmdb_id, query.get("append_to_response", "")), {}
        if m := re.fullmatch(r"/person/(\d+)", path):
            person_id = int(m[1])
            credited = self._credited(person_id)
            if not credited and person_id not in self.people:
                return 404, _not_found(), {}
            append = query.get("append_to_response", "")
            return 200, tmdb_graph.person_answer(person_id, credited, self.people.get(person_id), append), {}
        if m := re.fullmatch(r"/collection/(\d+)", path):
            collection_id = int(m[1])
            parts = [
                self.movies[i]
                for i, extra in sorted(self.details_extra.items())
                if (extra.get("belongs_to_collection") or {}).get("id") == collection_id and i in self.movies
            ]
            collection = self.collections.get(collection_id) or next(
                (self.details_extra[p["id"]]["belongs_to_collection"] for p in parts), None
            )
            if collection is None:
                return 404, _not_found(), {}
            return 200, tmdb_graph.collection_answer(collection, parts), {}
        return 404, _not_found(), {}

    def _page(self, ids: list[int], page: int) -> dict:
        chunk = ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return {
            "page": page,
            "results": [self.movies[i] for i in chunk],
            "total_pages": max(1, -(-len(ids) // PAGE_SIZE)),
            "total_results": len(ids),
        }

    def _appended(self, tmdb_id: int, part: str) -> dict:
        given = self.appended.get(tmdb_id, {}).get(part)
        if given is not None:
            return given
        generate = {
            "credits": lambda: tmdb_graph.generated_credits(tmdb_id),
            "keywords": tmdb_graph.generated_keywords,
            "videos": lambda: tmdb_graph.generated_videos(tmdb_id),
            "watch/providers": lambda: tmdb_graph.generated_providers(tmdb_id),
        }[part]
        return generate()

    def _details(self, tmdb_id: int, append: str) -> dict:
        base = dict(self.movies[tmdb_id])
        genre_names = {g["id"]: g["name"] for g in GENRES}
        base["genres"] = [{"id": g, "name": genre_names.get(g, f"Genre {g}")} for g in base.pop("genre_ids", [])]
        base.update(
            {
                "imdb_id": f"tt{tmdb_id:07d}",
                "runtime": 100 + tmdb_id % 60,
                "belongs_to_collection": None,
                "budget": 0,
                "revenue": 1_000_000 * (tmdb_id % 500),
            }
        )
        base.update(self.details_extra.get(tmdb_id, {}))
        for part in ("credits", "keywords", "videos", "watch/providers"):
            if part in append.split(","):
                base[part] = self._appended(tmdb_id, part)
        return base

    def _credited(self, person_id: int) -> list[tuple[dict, dict]]:
        """(movie list item, credit entry) of every credit of this person across the movies served."""
        found = []
        for tmdb_id in sorted(self.movies):
            credits = self._appended(tmdb_id, "credits")
            for entry in [*credits.get("cast", []), *credits.get("crew", [])]:
                if entry.get("id") == person_id:
                    found.append((self.movies[tmdb_id], entry))
        return found


def _not_found() -> dict:
    return {"status_code": 34, "status_message": "The resource you requested could not be found.", "success": False}
