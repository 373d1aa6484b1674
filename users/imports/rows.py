"""What the parsers share: the row they yield, the file errors they raise, and CSV reading that streams.

Pure Python (no Django, no database): a parser reads bytes and yields `ImportRow`s, one at a time. A CSV is
read through a text wrapper over a binary stream, so no file is ever held as a list of rows; the upload
itself is bounded (IMPORT_MAX_BYTES).
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO

from movie_backend.exceptions import ApplicationError, PayloadTooLarge

# Every encoding tried, in order: UTF-8 (with or without a byte-order mark), then the Windows code page older
# IMDb exports used; latin-1 decodes any byte, so a file is never refused for its encoding alone.
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")

# What a row asks for.
RATED, WATCHED, WATCHLIST, LIKED, PLAY = "rated", "watched", "watchlist", "liked", "play"

# Why a row was not imported (the `reason` of an unmatched row); stable strings a client may group by.
NOT_IN_CATALOG = "not in the catalog"
NOT_A_MOVIE = "not a movie"
NO_TITLE = "no title"
NO_IMDB_ID = "no IMDb id"
NO_RATING = "no rating"
BAD_RATING = "rating out of range"
NO_DATE = "no watched date"
AMBIGUOUS = "several movies have this title (no year given)"
SEARCH_UNAVAILABLE = "TMDb search unavailable: try again later"


class ImportFileInvalid(ApplicationError):
    """The file is not of the shape the format expects: a 400 whose `errors.file` says what was expected."""

    def __init__(self, message: str):
        super().__init__(message, errors={"file": [message]})


@dataclass(frozen=True)
class Part:
    """One CSV of an upload: its name (the zip member or the file name), what it holds, how it is encoded."""

    name: str
    kind: str
    encoding: str = ENCODINGS[0]

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "kind": self.kind, "encoding": self.encoding}


@dataclass(frozen=True)
class ImportRow:
    """One row of an export, as read: what it asks for and how to find its movie. `problem` is set when the
    row cannot be imported whatever the catalog holds (a TV episode, a rating missing)."""

    file: str
    row: int  # the header is row 1, as a spreadsheet numbers it
    action: str
    title: str
    year: int | None = None
    imdb_id: str = ""
    original_title: str = ""
    rating: Decimal | None = None
    watched_on: datetime.date | None = None
    rewatch: bool = False
    problem: str = ""


# --- Reading -------------------------------------------------------------------------------------------


def open_upload(data: bytes) -> zipfile.ZipFile | None:
    """The upload as a zip archive, or None when it is not one."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return None
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ImportFileInvalid(f"The zip archive cannot be read ({exc}).") from None


def zip_members(archive: zipfile.ZipFile, *, max_bytes: int) -> dict[str, zipfile.ZipInfo]:
    """The archive's files by path, without a folder every member sits in (an export zipped in its folder).

    Refuses an archive whose files unpack to more than `max_bytes` (413): a few kilobytes may hold gigabytes.
    """
    infos = [info for info in archive.infolist() if not info.is_dir()]
    if sum(info.file_size for info in infos) > max_bytes:
        raise PayloadTooLarge(f"The archive unpacks to more than {max_bytes // (1024 * 1024)} MB.")
    names = {info.filename.replace("\\", "/").lstrip("/"): info for info in infos}
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and all("/" in name for name in names):
        names = {name.split("/", 1)[1]: info for name, info in names.items()}
    return names


class Upload:
    """The uploaded bytes, and their members when they are a zip archive."""

    def __init__(self, data: bytes, *, max_bytes: int):
        self.data = data
        self.archive = open_upload(data)
        self.members = zip_members(self.archive, max_bytes=max_bytes) if self.archive is not None else {}

    def open(self, name: str) -> IO[bytes]:
        if self.archive is None:
            return io.BytesIO(self.data)
        return self.archive.open(self.members[name])


def csv_records(binary: IO[bytes], encoding: str) -> Iterator[list[str]]:
    """The CSV's records one at a time (the header first), decoded through a text wrapper as they are read.

    Raises ImportFileInvalid for text that is not CSV; UnicodeDecodeError for bytes the encoding refuses.
    """
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    try:
        yield from csv.reader(text, strict=True)
    except csv.Error as exc:
        raise ImportFileInvalid(f"The file is not valid CSV: {exc}.") from None


def check_csv(upload: Upload, name: str, classify: Callable[[list[str]], str]) -> Part:
    """Read one CSV of the upload through to its end, once: `classify(header)` names what it holds (or raises
    ImportFileInvalid saying what was expected), every record must parse, and the first encoding that
    decodes it all is kept. What passes here cannot fail later, so a file is imported whole or not at all."""
    for encoding in ENCODINGS:
        try:
            records = csv_records(upload.open(name), encoding)
            header = next(records, None)
            if not header:
                raise ImportFileInvalid(f"{name} is empty: a header row was expected.")
            kind = classify(header)
            for _record in records:
                pass
            return Part(name=name, kind=kind, encoding=encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileInvalid(f"{name} cannot be decoded as text.")  # unreachable: latin-1 decodes any byte


def part_records(upload: Upload, part: Part) -> Iterator[tuple[int, list[str], dict[str, int]]]:
    """(row number, record, column positions) for each data row of a checked part; blank lines skipped."""
    records = csv_records(upload.open(part.name), part.encoding)
    columns = header_index(next(records))
    for number, record in enumerate(records, start=2):
        if any(value.strip() for value in record):
            yield number, record, columns


def header_index(header: list[str]) -> dict[str, int]:
    """Column positions by lower-cased name (exports have changed the case of their headers over the years)."""
    return {name.strip().lower(): position for position, name in enumerate(header)}


def cell(record: list[str], columns: dict[str, int], *names: str) -> str:
    """The first of the named columns the file has, stripped; empty when absent or past a short record."""
    for name in names:
        position = columns.get(name)
        if position is not None:
            return record[position].strip() if position < len(record) else ""
    return ""


# --- Values ----------------------------------------------------------------------------------------------

RATING_STEP = Decimal("0.5")
RATING_MIN, RATING_MAX = Decimal("0.5"), Decimal("5")


def parse_year(value: str) -> int | None:
    value = value.strip()[:4]
    return int(value) if len(value) == 4 and value.isdigit() else None


def parse_date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def parse_decimal(value: str) -> Decimal | None:
    try:
        number = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def to_half_steps(value: Decimal) -> Decimal | None:
    """The nearest rating our scale takes (0.5 to 5 in steps of 0.5), or None when `value` is outside it."""
    steps = (value / RATING_STEP).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    rating = steps * RATING_STEP
    return rating if RATING_MIN <= rating <= RATING_MAX else None


def rating_problem(raw: str, rating: Decimal | None) -> str:
    if not raw:
        return NO_RATING
    return "" if rating is not None else BAD_RATING
