"""Versioned prompt templates for the LLM steps, and the one function that renders them into messages.

A template module (e.g. `nl_v1`) holds plain strings: SYSTEM, USER, CANDIDATE and the extension SLOTS.
`build_nl_messages` fills them; it never sees the ORM, only `PromptCandidate` rows and `PromptExtensions`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import ModuleType

from recommendations.prompts import nl_v1, nl_v2

TEMPLATES: dict[str, ModuleType] = {nl_v1.VERSION: nl_v1, nl_v2.VERSION: nl_v2}
# nl-v2 lets the model name films from its knowledge (grounded by recommendations.grounding); nl-v1 stays
# selectable with NL_PROMPT_VERSION=nl-v1 for comparison (make eval BENCH=nl runs both).
CURRENT_NL_VERSION = nl_v2.VERSION


def nl_prompt_version() -> str:
    """The prompt in use: settings.NL_PROMPT_VERSION when it names a template (e.g. `nl-v1`), else the current."""
    from django.conf import settings

    chosen = getattr(settings, "NL_PROMPT_VERSION", "") or CURRENT_NL_VERSION
    return chosen if chosen in TEMPLATES else CURRENT_NL_VERSION


def suggests(version: str) -> bool:
    """Whether the prompt asks the model to name films from its own knowledge."""
    return hasattr(TEMPLATES[version], "SUGGEST")


DESCRIPTION_MAX_CHARS = 120
TITLE_MAX_CHARS = 80

# The delimiter tags must not be forgeable from inside the user's text.
_TAG_RE = re.compile(r"<\s*/?\s*user_request\s*>", re.IGNORECASE)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class PromptCandidate:
    tmdb_id: int
    title: str
    year: int | None
    genres: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class PromptExtensions:
    """Optional slots; an empty slot renders nothing."""

    mood: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    eras: tuple[str, ...] = ()
    ratings: tuple[str, ...] = ()
    liked_genres: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = field(default_factory=tuple)


def sanitize_user_text(text: str) -> str:
    """The user's text as it goes between the tags: delimiter look-alikes and control characters removed."""
    text = _CONTROL_RE.sub(" ", text)
    return _TAG_RE.sub("[tag removed]", text).strip()


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.replace("|", "/").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render_candidate(candidate: PromptCandidate, template: ModuleType) -> str:
    return template.CANDIDATE.format(
        tmdb_id=candidate.tmdb_id,
        title=_one_line(candidate.title, TITLE_MAX_CHARS),
        year=candidate.year or "unknown",
        genres=", ".join(candidate.genres) or "unknown",
        description=_one_line(candidate.description, DESCRIPTION_MAX_CHARS) or "-",
    )


def render_extensions(extensions: PromptExtensions, template: ModuleType) -> str:
    lines = []
    for slot, text in template.SLOTS.items():
        values = getattr(extensions, slot, ())
        if values:
            lines.append(text.format(value=_one_line(", ".join(values), 300)))
    return ("\n" + "\n".join(lines) + "\n") if lines else ""


def build_nl_messages(
    *,
    query: str,
    limit: int,
    candidates: list[PromptCandidate],
    extensions: PromptExtensions | None = None,
    version: str = CURRENT_NL_VERSION,
) -> list[dict[str, str]]:
    """Chat Completions messages: rules in the system message; the delimited request and candidates in the user's."""
    template = TEMPLATES[version]
    suggest = getattr(template, "SUGGEST", 0)
    return [
        {"role": "system", "content": template.SYSTEM.format(limit=limit, suggest=suggest)},
        {
            "role": "user",
            "content": template.USER.format(
                limit=limit,
                suggest=suggest,
                query=sanitize_user_text(query),
                extensions=render_extensions(extensions or PromptExtensions(), template),
                count=len(candidates),
                candidates="\n".join(render_candidate(c, template) for c in candidates),
            ),
        },
    ]
