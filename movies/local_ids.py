"""Ids of our own for people and keywords the bundled catalog (or an old mirror) knows by name only.

A local id is derived from the name alone: SHA-256 of the kind and the normalised name, folded into
[LOCAL_ID_MIN, LOCAL_ID_MAX) = [2**52, 2**53). So it is the same on every load and every machine (never
Python's `hash()`, which differs per process), it cannot collide with a TMDb id (TMDb's person and keyword ids
are far below 2**31), and it stays exact in JavaScript (below 2**53). With 52 bits, two of the catalog's ~42,000
names share an id with a probability of about 2e-7; the loader refuses a file where that happens.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

LOCAL_ID_MIN = 2**52
LOCAL_ID_MAX = 2**53
# A name's suffix that comma lists split off ("Jack Epps, Jr." arrives as "Jack Epps", "Jr.").
_SUFFIX = re.compile(r"(?:Jr|Sr)\.?|I{2,3}|IV", re.IGNORECASE)


def name_key(name: str) -> str:
    """The name as compared: Unicode-normalised, case-folded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name or "").casefold().split())


def local_id(kind: str, name: str) -> int:
    """The stable local id of the `kind` ("person" or "keyword") called `name`."""
    digest = hashlib.sha256(f"{kind}:{name_key(name)}".encode()).digest()
    return LOCAL_ID_MIN + int.from_bytes(digest[:8], "big") % (LOCAL_ID_MAX - LOCAL_ID_MIN)


def is_local_id(value: int) -> bool:
    return LOCAL_ID_MIN <= value < LOCAL_ID_MAX


def split_credit_names(value: str) -> list[str]:
    """A comma list of names, e.g. a bundled film's writers: "Jack Epps, Jr., Jim Cash" -> two names."""
    names: list[str] = []
    for part in (p.strip() for p in (value or "").split(",")):
        if not part:
            continue
        if _SUFFIX.fullmatch(part) and names:
            names[-1] = f"{names[-1]}, {part}"
        elif not _SUFFIX.fullmatch(part):
            names.append(part)
    return names
