"""Letterboxd's export: the zip (Settings > Data > Export) or one of its CSVs. Reads rows, nothing else.

The CSVs imported, each with the header Letterboxd writes (more columns may follow; column order is free):

| file | header | each row becomes |
|---|---|---|
| `ratings.csv` | `Date,Name,Year,Letterboxd URI,Rating` | a rating (0.5 to 5) |
| `watched.csv` | `Date,Name,Year,Letterboxd URI` | watched |
| `watchlist.csv` | `Date,Name,Year,Letterboxd URI` | on the watchlist |
| `likes/films.csv` | `Date,Name,Year,Letterboxd URI` | liked |
| `diary.csv` | `Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date` | a play on its watched date |

Three of them share one header, so a single CSV is told apart by its file name; the rest of the export
(profile, reviews, comments, lists, and the `deleted/` and `orphaned/` folders) is not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from users.imports.rows import (
    LIKED,
    NO_DATE,
    NO_TITLE,
    PLAY,
    RATED,
    WATCHED,
    WATCHLIST,
    ImportFileInvalid,
    ImportRow,
    Part,
    Upload,
    cell,
    check_csv,
    header_index,
    parse_date,
    parse_decimal,
    parse_year,
    part_records,
    rating_problem,
    to_half_steps,
)

COMMON_HEADER = "Date,Name,Year,Letterboxd URI"
HEADERS = {
    "ratings": f"{COMMON_HEADER},Rating",
    "watched": COMMON_HEADER,
    "watchlist": COMMON_HEADER,
    "likes": COMMON_HEADER,
    "diary": f"{COMMON_HEADER},Rating,Rewatch,Tags,Watched Date",
}
# Where each CSV sits in the export zip, in the order they are imported.
MEMBERS = {
    "watched.csv": "watched",
    "diary.csv": "diary",
    "ratings.csv": "ratings",
    "likes/films.csv": "likes",
    "watchlist.csv": "watchlist",
}
ACTIONS = {"ratings": RATED, "watched": WATCHED, "watchlist": WATCHLIST, "likes": LIKED, "diary": PLAY}
# Columns a row cannot do without, per kind (lower-cased).
_REQUIRED = {
    "ratings": {"name", "year", "rating"},
    "watched": {"name", "year"},
    "watchlist": {"name", "year"},
    "likes": {"name", "year"},
    "diary": {"name", "year", "watched date"},
}
_SHARED_HEADER_HINT = (
    f"A CSV with Letterboxd's header {COMMON_HEADER} is watched.csv, watchlist.csv or likes/films.csv, "
    "which share that header: upload it under its export name (watched.csv, watchlist.csv or films.csv), "
    "or upload the whole export zip."
)


def kind_from_name(name: str) -> str | None:
    """What a CSV holds by its file name: "ratings.csv", "watchlist (2).csv", "likes/films.csv"."""
    stem = PurePosixPath(name.replace("\\", "/")).name.lower()
    for kind, words in (
        ("watchlist", ("watchlist",)),
        ("watched", ("watched",)),
        ("ratings", ("ratings", "rating")),
        ("diary", ("diary",)),
        ("likes", ("films", "likes")),
    ):
        if any(word in stem for word in words):
            return kind
    return None


def _classifier(name: str):
    named = kind_from_name(name)

    def classify(header: list[str]) -> str:
        columns = set(header_index(header))
        if named is not None:
            if not _REQUIRED[named] <= columns:
                raise ImportFileInvalid(
                    f"{name} should be Letterboxd's {named} CSV, with the header {HEADERS[named]} "
                    f"(found: {','.join(header)[:200]})."
                )
            return named
        if _REQUIRED["diary"] <= columns:
            return "diary"
        if _REQUIRED["ratings"] <= columns:
            return "ratings"
        if _REQUIRED["watched"] <= columns:
            raise ImportFileInvalid(_SHARED_HEADER_HINT)
        raise ImportFileInvalid(
            "Expected Letterboxd's export zip, or one of its CSVs: ratings.csv "
            f"({HEADERS['ratings']}), diary.csv ({HEADERS['diary']}), or watched.csv, watchlist.csv or "
            f"likes/films.csv ({COMMON_HEADER}); found the header {','.join(header)[:200]}."
        )

    return classify


def letterboxd_parts(upload: Upload, *, filename: str) -> list[Part]:
    """The CSVs of the upload to import, each checked through to its end (ImportFileInvalid otherwise)."""
    if upload.archive is None:
        return [check_csv(upload, filename or "export.csv", _classifier(filename))]
    names = [name for name in MEMBERS if name in upload.members]
    if not names:
        raise ImportFileInvalid(
            "Expected Letterboxd's export zip, holding ratings.csv, watched.csv, watchlist.csv, diary.csv or "
            "likes/films.csv at its top level; this archive has none of them."
        )
    return [check_csv(upload, name, _classifier(name)) for name in names]


def letterboxd_rows(upload: Upload, parts: list[Part]) -> Iterator[ImportRow]:
    """Every data row of the parts, in order, as ImportRows (one at a time)."""
    for part in parts:
        file = PurePosixPath(part.name).name if upload.archive is None else part.name
        for number, record, columns in part_records(upload, part):
            yield _row(file, number, part.kind, record, columns)


def _row(file: str, number: int, kind: str, record: list[str], columns: dict[str, int]) -> ImportRow:
    title = cell(record, columns, "name")
    year = parse_year(cell(record, columns, "year"))
    base = {"file": file, "row": number, "action": ACTIONS[kind], "title": title, "year": year}
    if not title:
        return ImportRow(**base, problem=NO_TITLE)
    if kind == "ratings":
        raw = cell(record, columns, "rating")
        number_value = parse_decimal(raw) if raw else None
        rating = to_half_steps(number_value) if number_value is not None else None
        return ImportRow(**base, rating=rating, problem=rating_problem(raw, rating))
    if kind == "diary":
        watched_on = parse_date(cell(record, columns, "watched date")) or parse_date(cell(record, columns, "date"))
        rewatch = cell(record, columns, "rewatch").lower() in {"yes", "true", "1"}
        return ImportRow(**base, watched_on=watched_on, rewatch=rewatch, problem="" if watched_on else NO_DATE)
    return ImportRow(**base)
