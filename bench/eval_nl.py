"""Natural-language quality: the query set against the local fallback and against a scripted model.

    make eval BENCH=nl            (or: .venv/bin/python bench/eval_nl.py)

The query set and its catalog are recommendations/evaluation/nl_queries.json (the tests read the same file):
every request names a property each result must have. A throwaway SQLite database holds the catalog, and each
request runs through `nl_recommend` three ways:
- `fallback`: no LLM configured, the local engine answers;
- `scripted nl-v1`: a loopback fake OpenAI-compatible server (tests/fakes/openai_server.py) plays a model that
  knows the right answers but, with prompt nl-v1, may only rerank our candidates: the candidates with the
  property first, then the others, in our order;
- `scripted nl-v2`: the same model also names films from its knowledge, as nl-v2 asks: the catalog's films with
  the property (title and year, most popular first, up to the limit), two invented films and one real film
  with a year three off. Grounding must keep the real ones and drop the others.
Printed per mode: on-target share (result slots with the property, over all slots), requests fully on target,
and invented films: named by the model, and answered (must be 0). Figures go to bench/results/eval_nl.json.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# A long tail of obscure synthetic films (random genres and years, nobody famous) around the hand-made catalog,
# so the 30 to 60 candidates are a small share of the catalog as in a real mirror.
TAIL_SIZES = [0, 5_000]
INVENTED = [("The Midnight Cartographer", 2011), ("Velvet Harbour", 1998)]
_REQUEST_RE = re.compile(r"<user_request>\n(.*?)\n</user_request>", re.DOTALL)
_CANDIDATE_RE = re.compile(r"^(\d+) \| (.+?) \| ", re.MULTILINE)


def add_tail(count: int, start: int) -> None:
    import datetime
    import random

    from movies.models import Genre, Movie

    rng = random.Random(7 + start)
    genres = list(Genre.objects.all())
    created = Movie.objects.bulk_create(
        [
            Movie(
                tmdb_id=2_000_000 + i,
                title=f"Tail Film {i}",
                **Movie.normalized_titles(title=f"Tail Film {i}"),
                release_date=datetime.date(rng.randint(1950, 2024), 1, 1),
                popularity=round(rng.uniform(0.5, 20), 2),
                vote_average=round(rng.uniform(4, 8), 1),
                vote_count=rng.randint(5, 800),
                director=f"Tail Director {i % 997}",
                cast=[f"Tail Actor {i % 1999}"],
            )
            for i in range(start, start + count)
        ],
        batch_size=2000,
    )
    through = Movie.genres.through
    through.objects.bulk_create(
        [through(movie_id=m.pk, genre_id=g.pk) for m in created for g in rng.sample(genres, rng.randint(1, 3))],
        batch_size=5000,
    )


def setup_django(db_path: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["SQLITE_PATH"] = db_path
    os.environ["OPENAI_API_KEY"] = ""
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class ScriptedModel:
    """Answers the JSON schema each request asks for, knowing which catalog films have each query's property."""

    def __init__(self, cases, facts_by_id: dict[int, dict], holds):
        self.cases = {c.query: c for c in cases}
        self.facts = facts_by_id
        self.holds = holds
        self.named_invented = 0

    def answer(self, body: dict) -> dict:
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        case = self.cases[_REQUEST_RE.search(user).group(1).strip()]
        candidates = [(int(i), t) for i, t in _CANDIDATE_RE.findall(user)]
        fits = [(i, t) for i, t in candidates if self.holds(case.expect, self.facts[i])]
        others = [(i, t) for i, t in candidates if (i, t) not in fits]
        content: dict = {
            "recommendations": [
                {"tmdb_id": i, "title": t, "reason": "scripted rerank"} for i, t in (fits + others)[: case.limit]
            ]
        }
        if "suggestions" in body["response_format"]["json_schema"]["schema"]["properties"]:
            known = sorted(
                (f for f in self.facts.values() if self.holds(case.expect, f)), key=lambda f: -f["popularity"]
            )[: case.limit]
            named = [(f["title"], f["year"]) for f in known] + INVENTED
            if known:
                named.append((known[0]["title"], known[0]["year"] + 3))  # a wrong year: another film
            self.named_invented += len(INVENTED) + (1 if known else 0)
            content["suggestions"] = [
                {"title": t, "year": y, "imdb_id": None, "reason": "scripted knowledge"} for t, y in named
            ]
        return content


def run_mode(mode: str, cases, catalog_ids: set[int], facts_by_id, holds, model=None) -> dict:
    from django.core.cache import cache

    from recommendations import nl

    slots = on_target = full = invented_answered = suggested = 0
    sources: dict[str, int] = {}
    for case in cases:
        cache.clear()
        answer = nl.nl_recommend(query=case.query, limit=case.limit)
        sources[answer.source] = sources.get(answer.source, 0) + 1
        hits = 0
        for result in answer.results:
            if result.movie.tmdb_id not in catalog_ids:
                invented_answered += 1
            suggested += result.grounding == "suggested"
            hits += bool(holds(case.expect, facts_by_id.get(result.movie.tmdb_id, {"title": ""})))
        slots += case.limit
        on_target += hits
        full += hits == case.limit == len(answer.results)
    return {
        "mode": mode,
        "requests": len(cases),
        "on_target_share": round(on_target / slots, 4),
        "requests_fully_on_target": full,
        "invented_named": model.named_invented if model else 0,
        "invented_answered": invented_answered,
        "suggested_answered": suggested,
        "sources": sources,
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(str(Path(tmp) / "eval_nl.sqlite3"))
        from django.conf import settings

        from movies.models import Movie
        from recommendations.evaluation import nl_set
        from tests.fakes.openai_server import FakeOpenAI

        nl_set.load_catalog()
        cases = nl_set.queries()
        rows = []
        have = 0
        for tail in TAIL_SIZES:
            add_tail(tail - have, have)
            have = tail
            facts_by_id = {}
            for movie in Movie.objects.prefetch_related("genres"):
                fact = nl_set.facts(movie)
                fact["popularity"] = movie.popularity
                facts_by_id[movie.tmdb_id] = fact
            catalog_ids = set(facts_by_id)
            size = len(catalog_ids)
            settings.OPENAI_API_KEY = ""
            rows.append({"movies": size, **run_mode("fallback", cases, catalog_ids, facts_by_id, nl_set.holds)})
            with FakeOpenAI() as fake:
                settings.OPENAI_API_KEY = "scripted"
                settings.OPENAI_BASE_URL = fake.base_url
                settings.OPENAI_MODEL = "scripted"
                for version in ("nl-v1", "nl-v2"):
                    settings.NL_PROMPT_VERSION = version
                    model = ScriptedModel(cases, facts_by_id, nl_set.holds)
                    fake.reply_with(lambda body, model=model: fake.completion(model.answer(body)))
                    row = run_mode(f"scripted {version}", cases, catalog_ids, facts_by_id, nl_set.holds, model)
                    rows.append({"movies": size, **row})
            settings.NL_PROMPT_VERSION = ""
    for row in rows:
        print(
            f"{row['movies']:>6} movies | {row['mode']:<15} on-target {row['on_target_share']:>6.1%}"
            f" | fully on target {row['requests_fully_on_target']}/{row['requests']}"
            f" | invented named {row['invented_named']}, answered {row['invented_answered']}"
            f" | suggested answered {row['suggested_answered']} | sources {row['sources']}",
            flush=True,
        )
    out = ROOT / "bench" / "results" / "eval_nl.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"queries": len(cases), "rows": rows}, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
