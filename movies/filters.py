"""Discover's parameters, declared once: the table below parses a query string and documents the schema.

Names and meanings are TMDb's `/discover/movie`. In a list value a comma means AND and a pipe means OR, as on
TMDb: `with_genres=28,12` is action *and* adventure, `28|12` action *or* adventure, and `28,12|16` action and
(adventure or animation). For the `without_` lists every value is excluded, whichever separator is used.

A parameter this table does not know is ignored (TMDb does the same); a value it cannot read is a 400 envelope
naming the parameter. The personalized recommendations take a subset (`RECOMMENDATION_PARAMS`) plus
`exclude_watchlist`, read by the same table.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework import serializers

from movies.regions import region_code

MAX_ID = 2**53 - 1  # person ids of our own go up to 2**53 (movies/local_ids.py)
MAX_VALUES = 50
SORT_FIELDS = {
    "popularity": "popularity",
    "vote_average": "vote_average",
    "vote_count": "vote_count",
    "primary_release_date": "release_date",
    "title": "title",
    "revenue": "revenue",
}
SORT_CHOICES = tuple(f"{name}.{way}" for name in SORT_FIELDS for way in ("asc", "desc"))
DEFAULT_SORT = "popularity.desc"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2}$")
_KEYWORD_NAME = re.compile(r"^[^,|]{1,255}$")


class Invalid(ValueError):
    """A value the parameter cannot take; the message says what it expects."""


@dataclass(frozen=True)
class Terms:
    """A parsed list value: every group must match (comma), any value within a group (pipe)."""

    groups: tuple[tuple[Any, ...], ...]

    @property
    def values(self) -> tuple[Any, ...]:
        return tuple(value for group in self.groups for value in group)

    def __str__(self) -> str:
        return ",".join("|".join(str(v) for v in group) for group in self.groups)


def _terms(read_one: Callable[[str], Any]) -> Callable[[str], Terms]:
    def read(raw: str) -> Terms:
        groups = tuple(tuple(read_one(part.strip()) for part in group.split("|")) for group in raw.split(","))
        if sum(len(g) for g in groups) > MAX_VALUES:
            raise Invalid(f"At most {MAX_VALUES} values.")
        return Terms(groups)

    return read


def _id(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_ID:
        raise Invalid("Expected ids (positive integers) separated by `,` (all of) or `|` (any of).")
    return int(raw)


def _keyword(raw: str) -> int | str:
    if raw.isascii() and raw.isdigit():
        return _id(raw)
    if not _KEYWORD_NAME.match(raw) or not raw.strip():
        raise Invalid("Expected keyword ids or names separated by `,` (all of) or `|` (any of).")
    return raw.strip()


def _date(raw: str) -> datetime.date:
    try:
        if _DATE.match(raw):
            return datetime.date.fromisoformat(raw)
    except ValueError:
        pass
    raise Invalid("Expected a date YYYY-MM-DD.")


def _number(low: float, high: float, *, integer: bool = False) -> Callable[[str], float | int]:
    def read(raw: str) -> float | int:
        if _NUMBER.match(raw) and (not integer or "." not in raw) and low <= float(raw) <= high:
            return int(raw) if integer else float(raw)
        kind = "an integer" if integer else "a number"
        raise Invalid(f"Expected {kind} from {low:g} to {high:g}.")

    return read


def _bool(raw: str) -> bool:
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise Invalid("Expected `true` or `false`.")


def _language(raw: str) -> str:
    if not _LANGUAGE.match(raw):
        raise Invalid("Expected an ISO 639-1 language code such as en, fr or ja.")
    return raw.lower()


def _region(raw: str) -> str:
    code = region_code(raw)
    if code is None:
        raise Invalid("Expected an ISO 3166-1 alpha-2 region code such as US, GB or DE.")
    return code


def _sort(raw: str) -> str:
    if raw not in SORT_CHOICES:
        raise Invalid(f"Expected one of {', '.join(SORT_CHOICES)}.")
    return raw


_IDS_SCHEMA = {"type": "string", "pattern": r"^\d+([,|]\d+)*$"}
_DATE_SCHEMA = {"type": "string", "format": "date"}


@dataclass(frozen=True)
class Param:
    name: str
    read: Callable[[str], Any]
    schema: dict
    description: str
    example: str


PARAMS: tuple[Param, ...] = (
    Param("with_genres", _terms(_id), _IDS_SCHEMA, "TMDb genre ids (see `/api/genres/`).", "28,12"),
    Param("without_genres", _terms(_id), _IDS_SCHEMA, "No movie of any of these genres.", "27|53"),
    Param(
        "with_people",
        _terms(_id),
        _IDS_SCHEMA,
        "Person ids (TMDb's, or our own for people known by name only), credited in the cast or the crew.",
        "525",
    ),
    Param("with_cast", _terms(_id), _IDS_SCHEMA, "Person ids credited in the cast.", "6193|287"),
    Param("with_crew", _terms(_id), _IDS_SCHEMA, "Person ids credited in the crew (any job).", "525"),
    Param(
        "with_keywords",
        _terms(_keyword),
        {"type": "string"},
        "TMDb keyword ids or keyword names (any case).",
        "9882|heist",
    ),
    Param("without_keywords", _terms(_keyword), {"type": "string"}, "No movie with any of these keywords.", "4344"),
    Param(
        "with_watch_providers",
        _terms(_id),
        _IDS_SCHEMA,
        "TMDb provider ids (see `/api/watch-providers/`), in `watch_region`, any way of watching.",
        "8|337",
    ),
    Param(
        "watch_region",
        _region,
        {"type": "string", "pattern": "^[A-Za-z]{2}$"},
        "ISO 3166-1 region of `with_watch_providers`. Default `DEFAULT_REGION` (`US`).",
        "GB",
    ),
    Param("with_original_language", _language, {"type": "string", "pattern": "^[A-Za-z]{2}$"}, "ISO 639-1.", "fr"),
    Param(
        "primary_release_year",
        _number(1870, 2200, integer=True),
        {"type": "integer", "minimum": 1870, "maximum": 2200},
        "Released that year.",
        "1999",
    ),
    Param("primary_release_date.gte", _date, _DATE_SCHEMA, "Released on or after (YYYY-MM-DD).", "1990-01-01"),
    Param("primary_release_date.lte", _date, _DATE_SCHEMA, "Released on or before (YYYY-MM-DD).", "1999-12-31"),
    Param(
        "vote_average.gte", _number(0, 10), {"type": "number", "minimum": 0, "maximum": 10}, "Rated at least.", "7.5"
    ),
    Param("vote_average.lte", _number(0, 10), {"type": "number", "minimum": 0, "maximum": 10}, "Rated at most.", "9"),
    Param(
        "vote_count.gte",
        _number(0, 2**31 - 1, integer=True),
        {"type": "integer", "minimum": 0},
        "At least this many votes.",
        "1000",
    ),
    Param(
        "with_runtime.gte",
        _number(0, 10000, integer=True),
        {"type": "integer", "minimum": 0, "maximum": 10000},
        "At least this many minutes long.",
        "90",
    ),
    Param(
        "with_runtime.lte",
        _number(0, 10000, integer=True),
        {"type": "integer", "minimum": 0, "maximum": 10000},
        "At most this many minutes long.",
        "150",
    ),
    Param(
        "include_adult",
        _bool,
        {"type": "boolean"},
        "Default `false`; `true` is honoured only for a signed-in adult (for anyone else it changes nothing).",
        "false",
    ),
    Param(
        "sort_by",
        _sort,
        {"type": "string", "enum": list(SORT_CHOICES)},
        "Order, default `popularity.desc`; ties are broken by `tmdb_id`. Movies without the sorted value "
        "(no release date, no revenue) come last.",
        "vote_average.desc",
    ),
    Param(
        "exclude_watchlist",
        _bool,
        {"type": "boolean"},
        "`true` leaves out the movies on your watchlist.",
        "true",
    ),
)
BY_NAME = {param.name: param for param in PARAMS}
DISCOVER_PARAMS = tuple(p.name for p in PARAMS if p.name != "exclude_watchlist")
RECOMMENDATION_PARAMS = (
    "with_genres",
    "without_genres",
    "primary_release_date.gte",
    "primary_release_date.lte",
    "with_original_language",
    "with_runtime.gte",
    "with_runtime.lte",
    "with_watch_providers",
    "watch_region",
    "exclude_watchlist",
)


def parse(query: Mapping[str, str], names: Iterable[str] = DISCOVER_PARAMS) -> dict[str, Any]:
    """The given parameters present in `query`, read; a 400 (ValidationError) naming each bad one."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in names:
        raw = query.get(name)
        if raw is None:
            continue
        try:
            values[name] = BY_NAME[name].read(raw.strip())
        except Invalid as exc:
            errors[name] = [str(exc)]
    if errors:
        raise serializers.ValidationError(errors)
    return values


def cache_part(values: Mapping[str, Any]) -> str:
    """A canonical text of parsed values, for cache keys ('' when there are none)."""
    return "&".join(f"{name}={values[name]}" for name in sorted(values))


def schema_parameters(names: Iterable[str] = DISCOVER_PARAMS) -> list[OpenApiParameter]:
    """The OpenAPI description of these parameters, each with an example."""
    return [
        OpenApiParameter(
            name,
            BY_NAME[name].schema,
            description=BY_NAME[name].description,
            examples=[OpenApiExample(name, value=_typed(BY_NAME[name]))],
        )
        for name in names
    ]


def _typed(param: Param) -> Any:
    """The example as the schema types it (an integer parameter's example is a number, not text)."""
    kind = param.schema.get("type")
    if kind in ("integer", "number"):
        return param.read(param.example)
    if kind == "boolean":
        return param.example == "true"
    return param.example
