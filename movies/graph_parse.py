"""Reading the graph out of TMDb's JSON (a movie's details and what it appends): pure functions, no models
but their choices. Each returns None when the answer does not carry that part (an older answer, an
`append_to_response` not asked for), so the writer leaves what the mirror has.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from movies.models import AvailabilityKind, Credit

_REGION = re.compile(r"[A-Z]{2}")


def parse_date(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def clip(value: Any, limit: int) -> str:
    """The value as text, cut to the column's length."""
    return str(value or "")[:limit]


# --- Reading TMDb JSON (pure) ----------------------------------------------------------------------


def person_entry(item: dict) -> dict | None:
    if not isinstance(item, dict) or not isinstance(item.get("id"), int) or not item.get("name"):
        return None
    return item


def credits_from_tmdb(data: dict) -> list[dict] | None:
    """A details answer's credits as flat entries (cast in billing order, then crew in TMDb's order), or None
    when the answer carries no credits."""
    credits = data.get("credits")
    if not isinstance(credits, dict):
        return None
    cast = [c for c in credits.get("cast") or [] if person_entry(c)]
    cast.sort(key=lambda c: c.get("order") if isinstance(c.get("order"), int) else 1_000_000)
    entries = [
        {
            "person": c,
            "kind": Credit.Kind.CAST,
            "character": c.get("character"),
            "order": n,
            "credit_id": c.get("credit_id"),
        }
        for n, c in enumerate(cast)
    ]
    crew = [c for c in credits.get("crew") or [] if person_entry(c)]
    entries += [
        {
            "person": c,
            "kind": Credit.Kind.CREW,
            "job": c.get("job"),
            "department": c.get("department"),
            "order": n,
            "credit_id": c.get("credit_id"),
        }
        for n, c in enumerate(crew)
    ]
    return entries


def keywords_from_tmdb(data: dict) -> list[tuple[int, str]] | None:
    block = data.get("keywords")
    if not isinstance(block, dict):
        return None
    pairs = [
        (k["id"], clip(k["name"], 255))
        for k in block.get("keywords") or []
        if isinstance(k, dict) and isinstance(k.get("id"), int) and k.get("name")
    ]
    return list(dict(pairs).items())


def videos_from_tmdb(data: dict) -> list[dict] | None:
    """TMDb's videos as stored on the movie: official trailers first, then trailers, then the rest; newest first
    within each group."""
    block = data.get("videos")
    if not isinstance(block, dict):
        return None
    videos = [
        {
            "key": clip(v["key"], 64),
            "site": clip(v.get("site"), 32),
            "type": clip(v.get("type"), 32),
            "name": clip(v.get("name"), 255),
            "official": bool(v.get("official")),
            "published_at": v.get("published_at") if isinstance(v.get("published_at"), str) else None,
        }
        for v in block.get("results") or []
        if isinstance(v, dict) and v.get("key")
    ]
    videos.sort(key=lambda v: v["published_at"] or "", reverse=True)
    videos.sort(key=lambda v: (not (v["official"] and v["type"] == "Trailer"), v["type"] != "Trailer"))
    return videos


def availability_from_tmdb(data: dict) -> dict[str, dict] | None:
    """`watch/providers` by region: {"US": {"link", "flatrate": [provider, ...], "rent": [...], ...}}."""
    block = data.get("watch/providers")
    if not isinstance(block, dict):
        return None
    regions: dict[str, dict] = {}
    for region, offers in (block.get("results") or {}).items():
        if not isinstance(region, str) or not _REGION.fullmatch(region) or not isinstance(offers, dict):
            continue
        regions[region] = {
            "link": clip(offers.get("link"), 500),
            **{
                kind: [
                    p for p in offers.get(kind) or [] if isinstance(p, dict) and isinstance(p.get("provider_id"), int)
                ]
                for kind in AvailabilityKind.values
            },
        }
    return regions


def collection_from_tmdb(data: dict) -> dict | None | bool:
    """`belongs_to_collection`: the collection dict, None for "none", False when the answer does not say."""
    if "belongs_to_collection" not in data:
        return False
    value = data["belongs_to_collection"]
    return value if isinstance(value, dict) and isinstance(value.get("id"), int) and value.get("name") else None
