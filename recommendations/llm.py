"""The one module that talks to an LLM: OpenAI Chat Completions, or any server speaking the same API.

OPENAI_BASE_URL points it at Ollama (`http://localhost:11434/v1`), vLLM or a llama.cpp server; OPENAI_MODEL
names the model (no `temperature` is sent: several current models refuse anything but the default).

The whole step, one retry included, finishes within OPENAI_TIMEOUT seconds: the SDK's own retries are off
(it would honour a server's Retry-After of up to a minute) and this module retries once, only on errors a
retry can help with, only with the time left. Failures are typed; the caller decides how to fall back.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import openai
from django.conf import settings

from movie_backend import usage
from movie_backend.exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)

# The shape the model must answer; anything else in its answer is dropped or refused.
RECOMMENDATIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "recommendations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "tmdb_id": {"type": "integer"},
                    "title": {"type": "string"},
                    "reason": {"type": "string"},
                },
                "required": ["tmdb_id", "title", "reason"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["recommendations"],
    "additionalProperties": False,
}
RESPONSE_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "movie_recommendations", "strict": True, "schema": RECOMMENDATIONS_SCHEMA},
}

# nl-v2 also lets the model name films from its own knowledge; each is resolved against the catalog later.
SUGGESTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "recommendations": RECOMMENDATIONS_SCHEMA["properties"]["recommendations"],
        "suggestions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "title": {"type": "string"},
                    "year": {"type": ["integer", "null"]},
                    "imdb_id": {"type": ["string", "null"]},
                    "reason": {"type": "string"},
                },
                "required": ["title", "year", "imdb_id", "reason"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["recommendations", "suggestions"],
    "additionalProperties": False,
}
SUGGESTIONS_RESPONSE_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "movie_recommendations_v2", "strict": True, "schema": SUGGESTIONS_SCHEMA},
}
# Named films read from one answer: the resolution cost stays bounded whatever the model writes.
MAX_SUGGESTIONS_READ = 20

# Room for a reasoning model's hidden tokens plus up to 50 short items; bounds the cost of one answer.
MAX_COMPLETION_TOKENS = 6000
MAX_ITEMS_READ = 200
REASON_MAX_CHARS = 300
# A retry only starts when at least this much of the deadline is left.
MIN_ATTEMPT_SECONDS = 0.5

_FENCE_RE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


class LlmError(ServiceUnavailable):
    """Base of the LLM failures; `reason` is the short machine word used in counters and responses.

    The natural-language service answers every one of them from the local ranking; one that reached a client
    would be the envelope's 503 `upstream_unavailable` (movie_backend.errors), never a 500."""

    reason = "llm_error"
    retryable = False


class LlmNotConfigured(LlmError):
    reason = "not_configured"


class LlmUnavailable(LlmError):
    """Timeout, connection failure, rate limit or 5xx: a later call may succeed."""

    reason = "unavailable"
    retryable = True

    def __init__(self, message: str, *, reason: str = "unavailable"):
        super().__init__(message)
        self.reason = reason


class LlmBadResponse(LlmError):
    """The server answered, but not with what was asked for (not JSON, wrong shape, refused, truncated, 4xx)."""

    reason = "bad_response"


@dataclass(frozen=True)
class LlmRecommendation:
    tmdb_id: int
    title: str
    reason: str


@dataclass(frozen=True)
class LlmSuggestion:
    """A film the model named from its own knowledge: a title and a year, or an IMDb id."""

    title: str
    year: int | None
    imdb_id: str
    reason: str


@dataclass(frozen=True)
class LlmAnswer:
    recommendations: list[LlmRecommendation]
    model: str
    prompt_tokens: int
    completion_tokens: int
    suggestions: list[LlmSuggestion] = field(default_factory=list)


def llm_is_configured() -> bool:
    """An API key is required, also for local servers (Ollama and friends accept any non-empty key)."""
    return bool(settings.OPENAI_API_KEY)


@lru_cache(maxsize=4)
def _client(api_key: str, base_url: str) -> openai.OpenAI:
    # One pooled client per configuration; the SDK's retries are off, see the module docstring.
    return openai.OpenAI(api_key=api_key, base_url=base_url or None, max_retries=0, timeout=settings.OPENAI_TIMEOUT)


def llm_recommend(
    *, messages: list[dict[str, str]], response_format: dict[str, Any] | None = None, deadline: float | None = None
) -> LlmAnswer:
    """POST {base}/chat/completions with a strict JSON-schema response format; the parsed, shape-checked answer.

    Raises LlmNotConfigured (no key: nothing is sent), LlmUnavailable (timeout, connection, 429, 5xx, after at
    most one retry within OPENAI_TIMEOUT) or LlmBadResponse (anything but the schema's shape).
    `deadline` (a time.monotonic() value) lets a caller share one OPENAI_TIMEOUT across several steps.
    """
    if not llm_is_configured():
        raise LlmNotConfigured("OPENAI_API_KEY is not set.")
    model = settings.OPENAI_MODEL
    if deadline is None:
        deadline = time.monotonic() + float(settings.OPENAI_TIMEOUT)
    response_format = response_format or RESPONSE_FORMAT
    attempts = 0
    while True:
        attempts += 1
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            usage.count("llm.call.timeout")
            raise LlmUnavailable("No time was left for the LLM.", reason="timeout")
        # The first attempt may use half the budget when a retry could still fit, else all of it.
        budget = remaining / 2 if attempts == 1 and remaining >= 2 * MIN_ATTEMPT_SECONDS else remaining
        try:
            answer = _call_once(model=model, messages=messages, timeout=budget, response_format=response_format)
        except LlmError as exc:
            usage.count(f"llm.call.{exc.reason}")
            left = deadline - time.monotonic()
            if exc.retryable and attempts < 2 and left >= MIN_ATTEMPT_SECONDS:
                logger.info("LLM call failed (%s); retrying once with %.1fs left", exc.reason, left)
                continue
            raise
        usage.count("llm.call.ok")
        usage.count("llm.tokens.prompt", answer.prompt_tokens)
        usage.count("llm.tokens.completion", answer.completion_tokens)
        return answer


def _call_once(
    *, model: str, messages: list[dict[str, str]], timeout: float, response_format: dict[str, Any]
) -> LlmAnswer:
    client = _client(settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL)
    try:
        response = client.chat.completions.create(
            model=model,
            messages=messages,
            response_format=response_format,
            max_completion_tokens=MAX_COMPLETION_TOKENS,
            timeout=timeout,
        )
    except openai.APITimeoutError as exc:
        raise LlmUnavailable("The LLM did not answer in time.", reason="timeout") from exc
    except openai.APIConnectionError as exc:
        raise LlmUnavailable("The LLM server could not be reached.", reason="unavailable") from exc
    except openai.RateLimitError as exc:
        raise LlmUnavailable("The LLM server is rate limiting us.", reason="rate_limited") from exc
    except openai.APIStatusError as exc:
        if exc.status_code >= 500:
            raise LlmUnavailable(f"The LLM server answered {exc.status_code}.", reason="unavailable") from exc
        raise LlmBadResponse(f"The LLM server refused the request ({exc.status_code}).") from exc
    except (openai.OpenAIError, ValueError) as exc:  # unreadable body (e.g. HTML from a proxy), SDK validation
        raise LlmBadResponse(f"The LLM answer could not be read ({type(exc).__name__}).") from exc

    usage_block = getattr(response, "usage", None)
    prompt_tokens = int(getattr(usage_block, "prompt_tokens", 0) or 0)
    completion_tokens = int(getattr(usage_block, "completion_tokens", 0) or 0)
    choices = getattr(response, "choices", None) or []
    if not choices:
        raise LlmBadResponse("The LLM answer has no choices.")
    choice = choices[0]
    message = choice.message
    if getattr(message, "refusal", None):
        raise LlmBadResponse("The LLM refused to answer.")
    if choice.finish_reason == "length":
        raise LlmBadResponse("The LLM answer was cut off at the token limit.")
    content = message.content or ""
    return LlmAnswer(
        recommendations=parse_recommendations(content),
        suggestions=parse_suggestions(content) if response_format is SUGGESTIONS_RESPONSE_FORMAT else [],
        model=str(getattr(response, "model", None) or model),
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
    )


def _load_object(content: str) -> Any:
    text = content.strip()
    fenced = _FENCE_RE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise LlmBadResponse("The LLM answer is not JSON.") from exc


def parse_suggestions(content: str) -> list[LlmSuggestion]:
    """The well-formed items of `suggestions` in `content` (at most MAX_SUGGESTIONS_READ); none when absent."""
    try:
        data = _load_object(content)
    except LlmBadResponse:
        return []
    raw = data.get("suggestions") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        return []
    items: list[LlmSuggestion] = []
    for item in raw[:MAX_SUGGESTIONS_READ]:
        if not isinstance(item, dict):
            continue
        title = item.get("title") if isinstance(item.get("title"), str) else ""
        imdb_id = item.get("imdb_id") if isinstance(item.get("imdb_id"), str) else ""
        if not title.strip() and not imdb_id.strip():
            continue
        reason = item.get("reason")
        items.append(
            LlmSuggestion(
                title=title.strip()[:200],
                year=_as_int(item.get("year")),
                imdb_id=imdb_id.strip()[:16],
                reason=" ".join(reason.split())[:REASON_MAX_CHARS] if isinstance(reason, str) else "",
            )
        )
    return items


def parse_recommendations(content: str) -> list[LlmRecommendation]:
    """The items of `{"recommendations": [...]}` in `content`; items of the wrong shape are dropped.

    Raises LlmBadResponse when `content` is not JSON or not an object with a `recommendations` list.
    Some local servers wrap JSON in a Markdown fence despite the schema; that fence is tolerated.
    """
    data = _load_object(content)
    if not isinstance(data, dict) or not isinstance(data.get("recommendations"), list):
        raise LlmBadResponse("The LLM answer has no `recommendations` list.")
    items: list[LlmRecommendation] = []
    for item in data["recommendations"][:MAX_ITEMS_READ]:
        if not isinstance(item, dict):
            continue
        tmdb_id = _as_int(item.get("tmdb_id"))
        if tmdb_id is None:
            continue
        title = item.get("title")
        reason = item.get("reason")
        items.append(
            LlmRecommendation(
                tmdb_id=tmdb_id,
                title=title if isinstance(title, str) else "",
                reason=" ".join(reason.split())[:REASON_MAX_CHARS] if isinstance(reason, str) else "",
            )
        )
    return items


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
