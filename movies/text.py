"""The project's one text normalisation: what "ignoring case and accents" means, for search and for matching.

`normalize_text` is shared by title search (the stored `*_normalized` columns and the query are both passed
through it, so SQLite and PostgreSQL answer the same) and by the natural-language engine (its tokenizer and
the grounding of model-named titles build on it).
"""

from __future__ import annotations

import re
import unicodedata

# Letters NFKD does not decompose into a base letter and a mark (PostgreSQL's unaccent maps them too).
_UNDECOMPOSED = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
    }  # fmt: skip
)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
_NOT_A_WORD = re.compile(r"[\W_]+")


def normalize_text(text: str) -> str:
    """Lowercase, accents folded, typographic quotes plain, whitespace collapsed."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_QUOTES)
    return " ".join(text.casefold().split())


def search_key(text: str) -> str:
    """The form titles are stored and searched in: normalized, apostrophes dropped, other punctuation a space.

    "Amélie" -> "amelie", "Schindler's List" -> "schindlers list", "Spider-Man: No Way Home" -> "spider man no
    way home". Letters of every script are kept.
    """
    return " ".join(_NOT_A_WORD.sub(" ", normalize_text(text).replace("'", "")).split())
