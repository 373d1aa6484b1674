"""IMDb's exports: the ratings CSV ("Your ratings" > Export) and the watchlist CSV. Reads rows, nothing else.

Headers IMDb has written (more columns may follow, column names are matched regardless of case):

- ratings, 2017-2023: `Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,
  Genres,Num Votes,Release Date,Directors`; since 2024 `Original Title` follows `Title`.
- watchlist and lists: `Position,Const,Created,Modified,Description,Title,URL,Title Type,IMDb Rating,
  Runtime (mins),Year,Genres,Num Votes,Release Date,Directors`, since 2022 ending `Your Rating,Date Rated`.
- before 2017 both were list exports in lower case: `position,const,created,modified,description,Title,
  Title type,Directors,You rated,...`.

Rows are matched by IMDb id (`Const`). Ratings are out of 10 and halved to our 0.5-5 scale. The header stays
English in every locale, but `Title Type` is translated (`Film`, `Serie TV`, `Episodio TV` in Italian):
series, episodes and games are reported "not a movie".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from decimal import Decimal

from users.imports.rows import (
    NO_IMDB_ID,
    NO_TITLE,
    NOT_A_MOVIE,
    RATED,
    WATCHLIST,
    ImportFileInvalid,
    ImportRow,
    Part,
    Upload,
    cell,
    check_csv,
    header_index,
    parse_decimal,
    parse_year,
    part_records,
    rating_problem,
    to_half_steps,
)

RATINGS_HEADER = (
    "Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,"
    "Release Date,Directors"
)
WATCHLIST_HEADER = (
    "Position,Const,Created,Modified,Description,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,"
    "Num Votes,Release Date,Directors"
)
_IMDB_ID = re.compile(r"^tt\d{1,10}$")
# Title types that are not films, as the folded type names contain them in English ("tvEpisode", "TV Mini
# Series", "Video Game") and in IMDb's translations ("Episodio TV", "Serie TV", "Mini serie TV", "Videogioco",
# "Série TV", "Serie de TV", "Fernsehserie"). Films, TV films, shorts, videos and specials are matched.
_NOT_FILM_PARTS = ("episod", "serie", "videogame", "videogioco", "videojuego", "jeuvideo", "videospiel", "podcast")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text.casefold() if ch.isalnum() and not unicodedata.combining(ch))


def is_film(title_type: str) -> bool:
    """Whether an IMDb `Title Type` (in any of its spellings and locales) is a film; an empty one counts as a film."""
    folded = _fold(title_type)
    return not any(part in folded for part in _NOT_FILM_PARTS)


def _classifier(filename: str):
    def classify(header: list[str]) -> str:
        columns = set(header_index(header))
        if "const" in columns:
            if "position" in columns:
                # Before 2017 the ratings export was a list export whose "You rated" column held the ratings.
                if "you rated" in columns and "watchlist" not in filename.lower():
                    return "ratings"
                return "watchlist"
            if "your rating" in columns:
                return "ratings"
        raise ImportFileInvalid(
            f"Expected IMDb's ratings export ({RATINGS_HEADER}) or its watchlist export ({WATCHLIST_HEADER}); "
            f"found the header {','.join(header)[:200]}."
        )

    return classify


def imdb_parts(upload: Upload, *, filename: str) -> list[Part]:
    """The one CSV of an IMDb upload, checked through to its end (ImportFileInvalid otherwise)."""
    if upload.archive is not None:
        raise ImportFileInvalid(
            "Expected IMDb's ratings or watchlist export as a CSV file (not an archive): "
            f"the ratings header is {RATINGS_HEADER}."
        )
    return [check_csv(upload, filename or "ratings.csv", _classifier(filename))]


def imdb_rows(upload: Upload, parts: list[Part]) -> Iterator[ImportRow]:
    for part in parts:
        for number, record, columns in part_records(upload, part):
            yield _row(part.name, number, part.kind, record, columns)


def _row(file: str, number: int, kind: str, record: list[str], columns: dict[str, int]) -> ImportRow:
    imdb_id = cell(record, columns, "const")
    title = cell(record, columns, "title")
    base = {
        "file": file,
        "row": number,
        "action": RATED if kind == "ratings" else WATCHLIST,
        "title": title,
        "year": parse_year(cell(record, columns, "year")) or parse_year(cell(record, columns, "release date")),
        "imdb_id": imdb_id if _IMDB_ID.match(imdb_id) else "",
        "original_title": cell(record, columns, "original title"),
    }
    if not base["imdb_id"]:
        return ImportRow(**base, problem=NO_IMDB_ID if title or imdb_id else NO_TITLE)
    if not is_film(cell(record, columns, "title type")):
        return ImportRow(**base, problem=NOT_A_MOVIE)
    if kind != "ratings":
        return ImportRow(**base)
    raw = cell(record, columns, "your rating", "you rated")
    out_of_ten = parse_decimal(raw) if raw else None
    rating = to_half_steps(out_of_ten / Decimal(2)) if out_of_ten is not None else None
    return ImportRow(**base, rating=rating, problem=rating_problem(raw, rating))
