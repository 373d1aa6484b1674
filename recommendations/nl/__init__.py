"""Natural-language recommendations: retrieve a bounded candidate set locally, let the LLM rerank it, validate.

    query ─► parse.parse_query (genres, moods, people, eras, audience, exclusions, "like <title>", keywords)
          ─► retrieve.rank_catalog over the index.CatalogIndex (+ the caller's profile, a popularity/quality
             prior) ─► top K candidates (30..60) ─► prompt (recommendations/prompts)
          ─► service: llm.llm_recommend ─► keep only candidate ids, dedupe, cap ─► answer (source "llm")
          ─► nl-v2: films the model names itself, resolved to exactly one catalog movie (grounding.py), merged
    any failure, no key, nothing valid ─► the local ranking itself (source "fallback", with the reason)

The package, along its seams (each module imports only the ones above it):

    vocabulary  the words and patterns the parser recognises (plain constants)
    index       the in-process catalog index, built once per process per catalog version
    parse       query understanding: free text -> Intent
    retrieve    ranking, the caller's profile, the candidates and their prompt (nl_retrieve)
    service     the request flow: cache, LLM call, grounding, fallback, log (nl_recommend)

Answers are cached on (normalized query, limit, caller and taste version, prompt version, catalog version,
model): a repeated question does not call the LLM again.
"""

from recommendations.nl.index import CatalogIndex, build_catalog_index, get_catalog_index
from recommendations.nl.parse import Intent, parse_query, theme_keywords
from recommendations.nl.retrieve import (
    MAX_CANDIDATES,
    MIN_CANDIDATES,
    PROFILE_POOL,
    Profile,
    Ranked,
    Retrieval,
    candidate_count,
    load_profile,
    nl_retrieve,
    rank_catalog,
)
from recommendations.nl.service import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    QUERY_MAX_CHARS,
    NlAnswer,
    NlResult,
    nl_cache_key,
    nl_recommend,
    normalize_query,
)
from recommendations.nl.vocabulary import Mood

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_CANDIDATES",
    "MAX_LIMIT",
    "MIN_CANDIDATES",
    "PROFILE_POOL",
    "QUERY_MAX_CHARS",
    "CatalogIndex",
    "Intent",
    "Mood",
    "NlAnswer",
    "NlResult",
    "Profile",
    "Ranked",
    "Retrieval",
    "build_catalog_index",
    "candidate_count",
    "get_catalog_index",
    "load_profile",
    "nl_cache_key",
    "nl_recommend",
    "nl_retrieve",
    "normalize_query",
    "parse_query",
    "rank_catalog",
    "theme_keywords",
]
