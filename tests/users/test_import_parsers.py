"""The export parsers on real Letterboxd and IMDb files: what each row asks for, and the shapes refused."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from decimal import Decimal

import pytest

from movie_backend.exceptions import PayloadTooLarge
from tests.users.import_files import needs_files, shared, zip_of
from users.imports.imdb import imdb_parts, imdb_rows, is_film
from users.imports.letterboxd import letterboxd_parts, letterboxd_rows
from users.imports.rows import NOT_A_MOVIE, ImportFileInvalid, Upload, to_half_steps

MAX = 20 * 1024 * 1024


def letterboxd(data: bytes, filename: str):
    upload = Upload(data, max_bytes=MAX)
    return list(letterboxd_rows(upload, letterboxd_parts(upload, filename=filename)))


def imdb(data: bytes, filename: str):
    upload = Upload(data, max_bytes=MAX)
    return list(imdb_rows(upload, imdb_parts(upload, filename=filename)))


@needs_files
class TestLetterboxd:
    def test_a_whole_real_export_reads_every_row_of_the_five_csvs(self):
        rows = letterboxd(zip_of(shared("real/letterboxd-extratone")), "letterboxd-extratone.zip")

        # 233 ratings, 408 watched, 113 watchlist, 317 diary entries, 89 likes (SOURCES.md)
        assert Counter(row.file for row in rows) == {
            "ratings.csv": 233,
            "watched.csv": 408,
            "watchlist.csv": 113,
            "diary.csv": 317,
            "likes/films.csv": 89,
        }
        assert Counter(row.action for row in rows) == {
            "rated": 233,
            "watched": 408,
            "watchlist": 113,
            "play": 317,
            "liked": 89,
        }
        assert not [row for row in rows if row.problem]

    def test_quoted_commas_empty_years_and_diary_dates(self):
        rows = letterboxd(shared("real/letterboxd-extratone/diary.csv").read_bytes(), "diary.csv")

        roughs = next(row for row in rows if row.title.startswith("One of the Roughs"))
        assert (roughs.title, roughs.year, roughs.row) == ("One of the Roughs, a Kosmos", None, 3)
        christine = next(row for row in rows if row.title == "Christine")
        assert (christine.year, str(christine.watched_on), christine.rewatch) == (1983, "2017-09-30", False)
        assert sum(row.rewatch for row in rows) == 107

    def test_ratings_are_kept_in_half_steps(self):
        rows = letterboxd(shared("real/letterboxd-extratone/ratings.csv").read_bytes(), "ratings.csv")

        assert (rows[0].title, rows[0].year, rows[0].rating) == ("La La Land", 2016, Decimal("3.5"))
        assert {row.rating % Decimal("0.5") for row in rows} == {0}

    def test_a_byte_order_mark_is_not_part_of_the_first_column(self):
        data = b"\xef\xbb\xbf" + shared("real/letterboxd-extratone/ratings.csv").read_bytes()

        assert letterboxd(data, "ratings.csv")[0].title == "La La Land"

    def test_the_shared_header_is_told_apart_by_the_file_name(self):
        data = shared("real/letterboxd-extratone/watched.csv").read_bytes()

        assert {row.action for row in letterboxd(data, "watchlist.csv")} == {"watchlist"}
        assert {row.action for row in letterboxd(data, "films.csv")} == {"liked"}
        with pytest.raises(ImportFileInvalid) as refused:
            letterboxd(data, "export.csv")
        assert "watched.csv, watchlist.csv or likes/films.csv" in refused.value.message

    def test_a_zipped_export_folder_and_the_deleted_folder(self, tmp_path):
        folder = shared("derived/letterboxd")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for path in folder.rglob("*.csv"):
                archive.write(path, "letterboxd-sample_user/" + path.relative_to(folder).as_posix())
            archive.write(folder / "ratings.csv", "letterboxd-sample_user/deleted/ratings.csv")

        rows = letterboxd(buffer.getvalue(), "export.zip")

        assert Counter(row.file for row in rows)["ratings.csv"] == 31  # the deleted copy is not read
        assert "deleted/ratings.csv" not in {row.file for row in rows}

    @pytest.mark.parametrize(
        ("data", "filename", "expected"),
        [
            (b"Const,Your Rating,Title\ntt1,5,X\n", "ratings.csv", "Date,Name,Year,Letterboxd URI,Rating"),
            (b"a,b\n1,2\n", "data.csv", "Expected Letterboxd's export zip"),
            (b"", "ratings.csv", "empty"),
            (b'Date,Name,Year\n2020-01-01,"unterminated,2020\n', "watched.csv", "not valid CSV"),
        ],
    )
    def test_wrong_shapes_say_what_was_expected(self, data, filename, expected):
        with pytest.raises(ImportFileInvalid) as refused:
            letterboxd(data, filename)
        assert expected in refused.value.message
        assert refused.value.errors == {"file": [refused.value.message]}

    def test_a_zip_without_export_files_is_refused(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("profile.csv", "Date Joined,Username\n")
        with pytest.raises(ImportFileInvalid, match="none of them"):
            letterboxd(buffer.getvalue(), "export.zip")

    def test_a_zip_that_unpacks_past_the_limit_is_too_large(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("ratings.csv", "Date,Name,Year,Letterboxd URI,Rating\n" + "x" * 4096)
        with pytest.raises(PayloadTooLarge):
            Upload(buffer.getvalue(), max_bytes=1024)


@needs_files
class TestImdb:
    def test_ratings_are_halved_and_tv_rows_are_not_movies(self):
        rows = imdb(shared("real/imdb-mcanouil-ratings-2023.csv").read_bytes(), "ratings.csv")

        by_id = {row.imdb_id: row for row in rows}
        assert by_id["tt10003008"].rating == Decimal("2.5")  # 5/10
        assert (by_id["tt0329200"].problem, by_id["tt1079959"].problem) == (NOT_A_MOVIE, NOT_A_MOVIE)
        assert {row.rating for row in rows if not row.problem} <= {Decimal(n) / 2 for n in range(1, 11)}

    def test_the_italian_export_with_original_titles(self):
        rows = imdb(shared("real/imdb-aureliome-ratings-2025-it.csv").read_bytes(), "ratings.csv")

        godfather = next(row for row in rows if row.title == "Il padrino")
        assert (godfather.original_title, godfather.rating, godfather.year) == ("The Godfather", Decimal(5), 1972)
        sherlock = next(row for row in rows if row.imdb_id == "tt1942612")
        assert sherlock.problem == NOT_A_MOVIE  # Episodio TV
        assert Counter(row.problem for row in rows)[NOT_A_MOVIE] == 31
        simpsons = next(row for row in rows if row.title == "I Simpson")
        assert simpsons.problem == NOT_A_MOVIE  # Serie TV, rated 10

    def test_the_watchlist_export(self):
        rows = imdb(shared("real/imdb-wreiler-watchlist-2022.csv").read_bytes(), "WATCHLIST.csv")

        assert len(rows) == 60
        assert {row.action for row in rows} == {"watchlist"}
        assert (rows[0].imdb_id, rows[0].title, rows[0].rating) == ("tt6723592", "Tenet", None)

    def test_empty_ratings_are_reported_not_guessed(self):
        data = b"Const,Your Rating,Date Rated,Title,Title Type,Year\ntt0068646,,2020-01-01,The Godfather,movie,1972\n"

        assert imdb(data, "ratings.csv")[0].problem == "no rating"

    def test_the_pre_2017_list_shaped_ratings_export(self):
        data = (
            b"position,const,created,modified,description,Title,Title type,Directors,You rated,IMDb Rating\n"
            b"1,tt0068646,Mon Jan 1 2015,,,The Godfather,Feature Film,Francis Ford Coppola,9,9.2\n"
        )
        (row,) = imdb(data, "ratings.csv")
        assert (row.action, row.rating) == ("rated", Decimal("4.5"))

    def test_a_letterboxd_file_sent_as_imdb_names_both_imdb_headers(self):
        data = shared("real/letterboxd-extratone/ratings.csv").read_bytes()
        with pytest.raises(ImportFileInvalid) as refused:
            imdb(data, "ratings.csv")
        assert "Const,Your Rating,Date Rated,Title" in refused.value.message
        assert "Position,Const,Created" in refused.value.message


@pytest.mark.parametrize(
    ("title_type", "film"),
    [
        ("movie", True),
        ("Movie", True),
        ("tvMovie", True),
        ("Film", True),
        ("Film TV", True),
        ("short", True),
        ("tvEpisode", False),
        ("TV Episode", False),
        ("Episodio TV", False),
        ("Serie TV", False),
        ("Mini serie TV", False),
        ("tvMiniSeries", False),
        ("videoGame", False),
    ],
)
def test_title_types_in_english_and_italian(title_type, film):
    assert is_film(title_type) is film


@pytest.mark.parametrize(
    ("value", "rating"),
    [("1", "0.5"), ("3.3", "1.5"), ("7", "3.5"), ("9.6", "5.0"), ("10", "5"), ("0", None), ("11", None)],
)
def test_imdb_ratings_land_on_the_nearest_half_step(value, rating):
    halved = to_half_steps(Decimal(value) / 2)
    assert halved == (Decimal(rating) if rating else None)
