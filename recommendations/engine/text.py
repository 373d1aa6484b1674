"""Text normalisation shared by the natural-language parser and the engine: one way to fold case and accents,
split words and key a person's name, so "alfonso cuaron" and "Alfonso Cuarón" are the same person everywhere."""

from __future__ import annotations

import re
import unicodedata

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


def normalize_text(text: str) -> str:
    """Lowercase, accents folded, typographic quotes plain, whitespace collapsed."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.casefold().split())


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
