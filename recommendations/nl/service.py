"""The request flow: cache lookup, retrieval, one LLM call over the candidates, grounding of the films the
model names, validation, the fallback to the local ranking, the answer cache and the RecommendationLog row."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from movie_backend import usage
from movies.models import Movie
from movies.selectors import movies_visible_to
from recommendations import grounding, llm
from recommendations.engine.text import normalize_text
from recommendations.models import RecommendationLog
from recommendations.nl.index import CatalogIndex, get_catalog_index
from recommendations.nl.parse import Intent
from recommendations.nl.retrieve import Retrieval, nl_retrieve
from recommendations.prompts import nl_prompt_version, suggests

logger = logging.getLogger(__name__)

CACHE_PREFIX = "nl:v1"
# A fallback caused by a transient LLM failure is cached briefly, so the LLM is tried again soon.
TRANSIENT_FALLBACK_TTL = 60
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
QUERY_MAX_CHARS = 500


@dataclass
class NlResult:
    movie: Movie
    reason: str
    score: float
    # "candidate": retrieved by the local engine; "suggested": named by the model and resolved in the catalog.
    grounding: str = "candidate"


@dataclass
class NlAnswer:
    query: str
    source: str  # "llm" | "fallback"
    results: list[NlResult]
    prompt_version: str
    model: str | None
    fallback_reason: str | None
    cached: bool
    interpretation: dict[str, Any]


def normalize_query(query: str) -> str:
    return normalize_text(query)


def _caller_key(user) -> str:
    if user is None or not user.is_authenticated:
        return "anon"
    return f"u{user.pk}.t{user.taste_version}.a{int(user.is_adult)}"


def nl_cache_key(*, query: str, limit: int, user, prompt_version: str, catalog: str) -> str:
    model = settings.OPENAI_MODEL if llm.llm_is_configured() else "local"
    raw = "|".join([normalize_query(query), str(limit), _caller_key(user), prompt_version, catalog, model])
    return f"{CACHE_PREFIX}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _interpretation(index: CatalogIndex, intent: Intent) -> dict[str, Any]:
    return {
        "genres": intent.genres,
        "moods": [m.label for m in intent.moods],
        "people": [index.display_names.get(k, k.title()) for k in intent.people],
        "year_from": intent.year_from,
        "year_to": intent.year_to,
        "audience": "family" if intent.kids else "adults" if intent.adults else None,
        "languages": intent.languages,
        "exclude_genres": intent.exclude_genres,
        "like_titles": [],
        "keywords": intent.themes + intent.subgenres + intent.keywords,
    }


def nl_recommend(*, query: str, limit: int = DEFAULT_LIMIT, user=None, request_id: str = "") -> NlAnswer:
    """Answer a free-text request from the catalog: the LLM reranks local candidates, or the local ranking does.

    Never raises for an LLM problem and never returns an empty list while the caller can see any movie.
    """
    query = query.strip()
    limit = max(1, min(MAX_LIMIT, int(limit)))
    # The cache key names the catalog the index reflects (it may trail the database while rebuilding).
    index = get_catalog_index()
    version = nl_prompt_version()
    key = nl_cache_key(query=query, limit=limit, user=user, prompt_version=version, catalog=index.version)
    cached = cache.get(key)
    if cached is not None:
        answer = _answer_from_cache(cached, query=query, user=user)
        if answer is not None:
            usage.count("cache.hit.nl")
            _log(answer, user=user, prompt_tokens=None, completion_tokens=None, request_id=request_id)
            return answer
    usage.count("cache.miss.nl")

    retrieval = nl_retrieve(query=query, limit=limit, user=user, index=index, version=version)
    interpretation = _interpretation(retrieval.index, retrieval.intent)
    interpretation["like_titles"] = [
        m.title for m in Movie.objects.filter(pk__in=[int(retrieval.index.pks[r]) for r in retrieval.intent.like_rows])
    ]
    local = [
        NlResult(movie=retrieval.movies[int(retrieval.index.tmdb_ids[r.row])], reason=r.reasons[0], score=r.score)
        for r in retrieval.ranked
    ]
    top_score = max((r.score for r in local), default=1.0) or 1.0
    for result in local:
        result.score = round(max(result.score, 0.0) / top_score, 4)

    source, model, reason = "fallback", None, None
    results: list[NlResult] = []
    prompt_tokens = completion_tokens = None
    if not retrieval.movies:
        reason = "no_candidates"
    elif not llm.llm_is_configured():
        reason = llm.LlmNotConfigured.reason
    else:
        try:
            llm_answer, results = _llm_step(retrieval, limit=limit, user=user)
        except llm.LlmError as exc:
            reason = exc.reason
        except Exception:  # an unexpected failure in the LLM step still answers, from the local ranking
            logger.exception("natural-language LLM step failed")
            reason = "error"
        else:
            prompt_tokens, completion_tokens = llm_answer.prompt_tokens, llm_answer.completion_tokens
            if results:
                source, model = "llm", llm_answer.model
            else:
                reason = "no_valid_ids"
    if source == "fallback":
        usage.count(f"llm.fallback.{reason}")
        results = local[:limit]

    answer = NlAnswer(
        query=query,
        source=source,
        results=results,
        prompt_version=version,
        model=model,
        fallback_reason=reason if source == "fallback" else None,
        cached=False,
        interpretation=interpretation,
    )
    transient = source == "fallback" and reason not in ("not_configured", "no_candidates")
    ttl = TRANSIENT_FALLBACK_TTL if transient else settings.CACHE_TTL_RECOMMENDATIONS
    cache.set(key, _answer_to_cache(answer), ttl)
    _log(answer, user=user, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, request_id=request_id)
    return answer


def _llm_step(retrieval: Retrieval, *, limit: int, user) -> tuple[llm.LlmAnswer, list[NlResult]]:
    """Ask the model (one call) and keep what is grounded: candidates it picked and, with a suggesting prompt,
    films it named that resolve to one catalog movie. The call and the resolution share one OPENAI_TIMEOUT."""
    deadline = time.monotonic() + float(settings.OPENAI_TIMEOUT)
    suggesting = suggests(retrieval.prompt_version)
    answer = llm.llm_recommend(
        messages=retrieval.messages,
        response_format=llm.SUGGESTIONS_RESPONSE_FORMAT if suggesting else llm.RESPONSE_FORMAT,
        deadline=deadline,
    )
    picked = [
        (movie, item.reason, "candidate")
        for item in answer.recommendations
        if (movie := retrieval.movies.get(item.tmdb_id)) is not None
    ]
    named: list[tuple[Movie, str, str]] = []
    if suggesting and answer.suggestions:
        try:
            outcome = grounding.ground_suggestions(suggestions=answer.suggestions, user=user, deadline=deadline)
        except Exception:  # the model's picks among our candidates still answer without its named films
            logger.exception("grounding the films the model named failed")
            outcome = grounding.GroundingOutcome()
        liked = {int(retrieval.index.pks[r]) for r in retrieval.intent.like_rows}  # "like X" never answers X
        named = [
            (g.movie, g.reason, "candidate" if g.movie.tmdb_id in retrieval.movies else "suggested")
            for g in outcome.kept
            if g.movie.pk not in liked
        ]
    return answer, _merged(picked, named, limit)


def _merged(picked: list[tuple[Movie, str, str]], named: list[tuple[Movie, str, str]], limit: int) -> list[NlResult]:
    """The model's picks among our candidates and the films it named, alternating (a named film first: the
    prompt asks for films that fit better than the candidates), each once, at most `limit`; scores fall with
    the position."""
    order: list[tuple[Movie, str, str]] = []
    for i in range(max(len(picked), len(named))):
        order.extend(source[i] for source in (named, picked) if i < len(source))
    chosen: list[tuple[Movie, str, str]] = []
    seen: set[int] = set()
    for movie, reason, how in order:
        if movie.tmdb_id in seen:
            continue
        seen.add(movie.tmdb_id)
        chosen.append((movie, reason or "Picked for your request.", how))
        if len(chosen) == limit:
            break
    total = len(chosen)
    return [
        NlResult(movie=m, reason=r, score=round(1 - i / (total + 1), 4), grounding=how)
        for i, (m, r, how) in enumerate(chosen)
    ]


def _answer_to_cache(answer: NlAnswer) -> dict[str, Any]:
    return {
        "source": answer.source,
        "model": answer.model,
        "fallback_reason": answer.fallback_reason,
        "prompt_version": answer.prompt_version,
        "interpretation": answer.interpretation,
        "items": [[r.movie.tmdb_id, r.reason, r.score, r.grounding] for r in answer.results],
    }


def _answer_from_cache(payload: dict[str, Any], *, query: str, user) -> NlAnswer | None:
    try:
        items = payload["items"]
        movies = {
            m.tmdb_id: m
            for m in movies_visible_to(user=user)
            .filter(tmdb_id__in=[item[0] for item in items])
            .prefetch_related("genres")
        }
        results = [
            NlResult(movie=movies[tmdb_id], reason=reason, score=score, grounding=how)
            for tmdb_id, reason, score, how in items
            if tmdb_id in movies
        ]
        if items and not results:
            return None
        return NlAnswer(
            query=query,
            source=payload["source"],
            results=results,
            prompt_version=payload["prompt_version"],
            model=payload["model"],
            fallback_reason=payload["fallback_reason"],
            cached=True,
            interpretation=payload["interpretation"],
        )
    except (KeyError, TypeError, ValueError):
        return None


def _log(
    answer: NlAnswer, *, user, prompt_tokens: int | None, completion_tokens: int | None, request_id: str = ""
) -> None:
    try:
        RecommendationLog.objects.create(
            user=user if user is not None and user.is_authenticated else None,
            kind=RecommendationLog.Kind.NATURAL_LANGUAGE,
            algorithm="llm-rerank" if answer.source == "llm" else "local",
            source=answer.source,
            query=answer.query[:QUERY_MAX_CHARS],
            movie_ids=[r.movie.tmdb_id for r in answer.results],
            prompt_version=answer.prompt_version,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            request_id=request_id,
        )
    except Exception:  # the log is for analysis; losing a row must not fail the answer
        logger.warning("recommendation log not written", exc_info=True)
