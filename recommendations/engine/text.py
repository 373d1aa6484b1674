"""Text normalisation shared by the natural-language parser and the engine: one way to fold case and accents,
split words and key a person's name, so "alfonso cuaron" and "Alfonso Cuarón" are the same person everywhere."""

from __future__ import annotations

import re

# The one folding of case and accents; the engine keys words and names on it (a pure function, no models).
from movies.text import normalize_text

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


def tokens(text: str) -> list[str]:
    """The words of a text, normalised; a possessive "'s" dropped."""
    out = []
    for token in _TOKEN_RE.findall(normalize_text(text)):
        if token.endswith("'s"):
            token = token[:-2]
        out.append(token)
    return out


def name_key(name: str) -> str:
    """A person's name as a lookup key: "Mark A.Z. Dippé" -> "mark a z dippe"."""
    return " ".join(tokens(name))
