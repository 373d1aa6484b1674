"""POST/GET /api/users/me/imports/: real Letterboxd and IMDb exports matched against the catalog, written once."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from rest_framework.parsers import MultiPartParser

from movies.models import Movie
from tests.conftest import client_for
from tests.factories import InteractionFactory, MovieFactory, UserFactory
from tests.users.conftest import taste_version
from tests.users.import_files import demo_movies, needs_files, shared, zip_of
from users.imports.rows import AMBIGUOUS
from users.models import Import, Interaction, Play

URL = "/api/users/me/imports/"
pytestmark = pytest.mark.django_db

# The eight films of the excerpt, as the demo catalog (TMDb) spells and dates them: Letterboxd says
# "Irreversible", "Sex and Lucía", "Malena", Heathers 1989, Kiss the Girls 1997, The Cabin in the Woods 2011.
EXCERPT_FILMS = (
    "Amores perros",
    "Y tu mamá también",
    "Irréversible",
    "Sex and Lucia",
    "Malèna",
    "Heathers",
    "Kiss the Girls",
    "The Cabin in the Woods",
)


def upload(client, data: bytes, name: str, format: str = "letterboxd"):
    # The import is queued when the upload commits (Celery runs it eagerly in tests): run the callbacks the
    # test's transaction holds back, as a request outside a transaction would at once.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(URL, {"file": SimpleUploadedFile(name, data), "format": format}, format="multipart")


def imported(client, data: bytes, name: str, format: str = "letterboxd") -> dict:
    response = upload(client, data, name, format)
    assert response.status_code == 202, response.json()
    return client.get(f"{URL}{response.json()['id']}/").json()


@needs_files
class TestLetterboxd:
    def test_an_export_zip_is_matched_by_title_and_year_whatever_the_spelling(self, auth_client, user):
        movies = {m.title: m for m in demo_movies(*EXCERPT_FILMS)}

        body = imported(auth_client, zip_of(shared("real/letterboxd-agosvenezia-excerpt")), "export.zip")

        assert body["status"] == "done"
        assert (body["rows"], body["matched"], body["created"], body["unchanged"]) == (17, 17, 17, 0)
        assert body["unmatched"] == [] and body["error"] is None
        mine = Interaction.objects.filter(user=user)
        assert set(mine.filter(type="watchlist").values_list("movie__title", flat=True)) == {
            "Heathers",
            "Kiss the Girls",
            "Malèna",
            "Sex and Lucia",
            "Y tu mamá también",
        }
        assert dict(mine.filter(type="rated").values_list("movie__title", "rating")) == {
            "The Cabin in the Woods": Decimal("4.0"),
            "Irréversible": Decimal("4.5"),
            "Amores perros": Decimal("5.0"),
        }
        assert mine.filter(type="liked").count() == mine.filter(type="watched").count() == 3
        play = Play.objects.get(user=user, movie=movies["Irréversible"])
        assert (play.watched_at.isoformat(), play.rewatch, play.source) == ("2026-01-10T12:00:00+00:00", True, "import")

    def test_the_same_file_twice_creates_nothing_the_second_time(self, auth_client, user):
        demo_movies(*EXCERPT_FILMS)
        data = zip_of(shared("real/letterboxd-agosvenezia-excerpt"))
        imported(auth_client, data, "export.zip")
        rows_before = (Interaction.objects.count(), Play.objects.count())
        version = taste_version(user)

        again = imported(auth_client, data, "export.zip")

        assert (again["rows"], again["matched"], again["created"], again["updated"], again["unchanged"]) == (
            17,
            17,
            0,
            0,
            17,
        )
        assert (Interaction.objects.count(), Play.objects.count()) == rows_before
        assert taste_version(user) == version

    def test_a_single_diary_csv_keeps_rewatches_on_one_day_apart(self, auth_client, user):
        (heathers,) = demo_movies("Heathers")
        diary = (
            b"Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\r\n"
            b"2024-01-18,Heathers,1989,https://boxd.it/a,4,,,2024-01-17\r\n"
            b"2024-01-18,Heathers,1989,https://boxd.it/b,4,Yes,,2024-01-17\r\n"
        )

        first = imported(auth_client, diary, "diary.csv")
        second = imported(auth_client, diary, "diary.csv")

        assert (first["created"], second["created"], second["unchanged"]) == (2, 0, 2)
        assert Play.objects.filter(user=user, movie=heathers).count() == 2
        assert Interaction.objects.get(user=user, movie=heathers).type == "watched"

    def test_unmatched_rows_are_listed_with_their_reason(self, auth_client):
        body = imported(auth_client, shared("real/letterboxd-extratone/watched.csv").read_bytes(), "watched.csv")

        assert body["matched"] == 0 and len(body["unmatched"]) == body["rows"] == 408
        assert body["unmatched"][0] == {
            "file": "watched.csv",
            "row": 2,
            "title": "Summer with Monika",
            "year": 1953,
            "reason": "not in the catalog",
        }

    def test_a_new_rating_updates_the_old_one_and_a_like_withdraws_a_dislike(self, auth_client, user):
        (heathers,) = demo_movies("Heathers")
        InteractionFactory(user=user, movie=heathers, type="rated", rating=Decimal("1.0"))
        InteractionFactory(user=user, movie=heathers, type="disliked")
        header = "Date,Name,Year,Letterboxd URI"

        rated = imported(auth_client, f"{header},Rating\n2024-01-18,Heathers,1989,x,4.5\n".encode(), "ratings.csv")
        liked = imported(auth_client, f"{header}\n2024-01-18,Heathers,1989,x\n".encode(), "likes-films.csv")

        assert (rated["updated"], liked["created"]) == (1, 1)
        assert dict(Interaction.objects.filter(user=user).values_list("type", "rating")) == {
            "rated": Decimal("4.5"),
            "liked": None,
        }

    def test_an_adult_title_the_user_may_not_see_is_not_in_the_catalog(self, user):
        MovieFactory(title="Heathers", release_date="1989-01-01", adult=True)
        minor = UserFactory(date_of_birth=None)

        body = imported(client_for(minor), b"Date,Name,Year,Letterboxd URI\n2024,Heathers,1989,x\n", "watched.csv")

        assert body["unmatched"][0]["reason"] == "not in the catalog"
        assert not Interaction.objects.exists()

    def test_rows_are_written_in_batches_with_one_taste_change_each(self, auth_client, user, settings):
        settings.IMPORT_BATCH_ROWS = 2
        demo_movies(*EXCERPT_FILMS)
        version = taste_version(user)

        body = imported(
            auth_client, shared("real/letterboxd-agosvenezia-excerpt/watchlist.csv").read_bytes(), "watchlist.csv"
        )

        assert body["rows"] == body["created"] == 5
        assert taste_version(user) == version + 3  # batches of 2, 2 and 1 rows

    def test_the_uploaded_bytes_are_not_kept_once_imported(self, auth_client):
        body = imported(auth_client, shared("real/letterboxd-extratone/ratings.csv").read_bytes(), "ratings.csv")

        assert bytes(Import.objects.get(pk=body["id"]).data) == b""
        assert body["size"] == shared("real/letterboxd-extratone/ratings.csv").stat().st_size


@needs_files
class TestRealExportAgainstTheDemoCatalog:
    def test_a_whole_letterboxd_export_imports_once(self, auth_client, user):
        from movies.demo import demo_catalog_load

        demo_catalog_load()
        data = zip_of(shared("real/letterboxd-extratone"))

        first = imported(auth_client, data, "letterboxd-extratone.zip")
        again = imported(auth_client, data, "letterboxd-extratone.zip")

        assert first["status"] == again["status"] == "done"
        assert first["rows"] == 233 + 408 + 113 + 317 + 89
        assert first["matched"] + len(first["unmatched"]) == first["rows"]
        assert first["matched"] == 554  # with the demo catalog as committed; the other films are not in it
        assert {row["reason"] for row in first["unmatched"]} <= {"not in the catalog", AMBIGUOUS}
        assert (again["matched"], again["created"], again["unchanged"]) == (first["matched"], 0, first["matched"])
        diary_unmatched = sum(1 for row in first["unmatched"] if row["file"] == "diary.csv")
        assert Play.objects.filter(user=user).count() == 317 - diary_unmatched  # one play per matched entry


@needs_files
class TestImdb:
    def test_ratings_are_matched_by_imdb_id_and_halved(self, auth_client, user):
        demo_movies("tt1001508", "tt0068646")  # He's Just Not That Into You; The Godfather is not in the file

        body = imported(auth_client, shared("real/imdb-mcanouil-ratings-2023.csv").read_bytes(), "ratings.csv", "imdb")

        assert body["rows"] == 22 and body["matched"] == 1
        rated = Interaction.objects.get(user=user)
        assert (rated.movie.imdb_id, rated.type, rated.rating) == ("tt1001508", "rated", Decimal("2.5"))
        reasons = {row["title"]: row["reason"] for row in body["unmatched"]}
        assert reasons["The Colour of Magic"] == "not a movie"  # tvMiniSeries
        assert reasons["The Wonderful World of Disney: Home Alone 4: Taking Back the House"] == "not a movie"
        assert reasons["The Rental"] == "not in the catalog"

    def test_an_italian_export_rates_the_godfather_five(self, auth_client, user):
        (godfather,) = demo_movies("tt0068646")

        body = imported(
            auth_client, shared("real/imdb-aureliome-ratings-2025-it.csv").read_bytes(), "ratings.csv", "imdb"
        )

        assert Interaction.objects.get(user=user, movie=godfather).rating == Decimal("5.0")
        not_movies = [row for row in body["unmatched"] if row["reason"] == "not a movie"]
        assert len(not_movies) == 31
        assert {"I Simpson", "Sherlock: A Scandal in Belgravia"} <= {row["title"] for row in not_movies}

    def test_a_mirrored_movie_without_its_imdb_id_is_found_by_title(self, auth_client, user):
        MovieFactory(title="Interstellar", imdb_id="", release_date="2014-11-05")

        body = imported(
            auth_client, shared("real/imdb-wreiler-watchlist-2022.csv").read_bytes(), "WATCHLIST.csv", "imdb"
        )

        assert body["matched"] == 1
        assert Interaction.objects.get(user=user).type == "watchlist"


@needs_files
class TestProgress:
    def test_an_interrupted_import_resumes_after_its_last_committed_batch(self, auth_client, user):
        from users.imports.runner import import_run
        from users.imports.services import import_file_check

        movies = {m.title: m for m in demo_movies(*EXCERPT_FILMS)}
        data = shared("real/letterboxd-agosvenezia-excerpt/watchlist.csv").read_bytes()
        parts = import_file_check(format="letterboxd", filename="watchlist.csv", data=data)
        # A worker wrote the first batch (Heathers, Sex and Lucía) and its progress, then died.
        job = Import.objects.create(
            user=user,
            format="letterboxd",
            status="running",
            data=data,
            parts=[p.as_dict() for p in parts],
            rows=2,
            matched=2,
            created=2,
        )
        for title in ("Heathers", "Sex and Lucia"):
            InteractionFactory(user=user, movie=movies[title], type="watchlist")

        import_run(import_id=job.pk)

        body = auth_client.get(f"{URL}{job.pk}/").json()
        assert (body["status"], body["rows"], body["created"], body["unchanged"]) == ("done", 5, 5, 0)
        assert Interaction.objects.filter(user=user, type="watchlist").count() == 5

    def test_a_failure_while_writing_marks_the_import_failed(self, auth_client, user, monkeypatch):
        from users.imports import runner

        demo_movies(*EXCERPT_FILMS)

        def broken(**kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(runner, "interactions_write_bulk", broken)
        data = shared("real/letterboxd-agosvenezia-excerpt/watchlist.csv").read_bytes()

        with pytest.raises(RuntimeError):
            upload(auth_client, data, "watchlist.csv")

        body = auth_client.get(f"{URL}{Import.objects.get().pk}/").json()
        assert (body["status"], body["rows"]) == ("failed", 0)
        assert body["error"] == "The import stopped unexpectedly (RuntimeError)."


class TestRefusedFiles:
    @pytest.mark.parametrize(
        ("data", "name", "format", "says"),
        [
            (b"Date,Name,Year,Letterboxd URI\n2024,Heathers,1989,x\n", "export.csv", "letterboxd", "watchlist.csv"),
            (b"Const,Your Rating\ntt1,5\n", "ratings.csv", "letterboxd", "Date,Name,Year,Letterboxd URI,Rating"),
            (b"Date,Name,Year,Letterboxd URI,Rating\n", "ratings.csv", "imdb", "Const,Your Rating,Date Rated"),
            (b"PK\x03\x04 not really a zip", "export.zip", "letterboxd", "Expected Letterboxd's export zip"),
            (b"", "ratings.csv", "letterboxd", "empty"),
        ],
    )
    def test_a_file_of_the_wrong_shape_is_a_400_and_writes_nothing(self, auth_client, data, name, format, says):
        response = upload(auth_client, data, name, format)

        assert response.status_code == 400
        body = response.json()
        assert (body["status"], body["code"]) == ("error", "invalid")
        assert says in body["errors"]["file"][0]
        assert not Import.objects.exists() and not Interaction.objects.exists()

    def test_a_file_over_the_limit_is_a_413(self, auth_client, settings):
        settings.IMPORT_MAX_BYTES = 100

        response = upload(auth_client, b"Date,Name,Year,Letterboxd URI,Rating\n" + b"2024,X,2000,x,4\n" * 10, "r.csv")

        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"
        assert not Import.objects.exists()

    def test_an_upload_declared_far_over_the_limit_is_refused_before_it_is_read(
        self, auth_client, settings, monkeypatch
    ):
        settings.IMPORT_MAX_BYTES = 1024

        def unread(*args, **kwargs):
            raise AssertionError("the body was parsed")

        monkeypatch.setattr(MultiPartParser, "parse", unread)
        body = io.BytesIO(b"x" * (200 * 1024))

        response = auth_client.post(URL, {"file": body, "format": "letterboxd"}, format="multipart")

        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"

    @pytest.mark.parametrize(
        ("form", "field"),
        [({"format": "letterboxd"}, "file"), ({"format": "trakt", "file": b"x"}, "format")],
    )
    def test_missing_file_or_unknown_format(self, auth_client, form, field):
        if isinstance(form.get("file"), bytes):
            form["file"] = SimpleUploadedFile("x.csv", form["file"])

        response = auth_client.post(URL, form, format="multipart")

        assert response.status_code == 400
        assert field in response.json()["errors"]

    def test_a_json_body_is_415(self, auth_client):
        assert auth_client.post(URL, {"format": "imdb"}, format="json").status_code == 415

    def test_anonymous_is_401(self, api_client):
        assert api_client.get(URL).status_code == 401


class TestList:
    def test_imports_are_listed_newest_first_and_someone_elses_is_404(self, auth_client, user, other_client):
        first = upload(auth_client, b"Date,Name,Year,Letterboxd URI\n2024,X,2000,x\n", "watched.csv").json()
        second = upload(auth_client, b"Date,Name,Year,Letterboxd URI\n2024,Y,2001,x\n", "watchlist.csv").json()

        listed = auth_client.get(URL).json()

        assert listed["count"] == 2
        assert [item["id"] for item in listed["results"]] == [second["id"], first["id"]]
        assert listed["results"][0]["unmatched_count"] == 1 and "unmatched" not in listed["results"][0]
        assert other_client.get(f"{URL}{first['id']}/").status_code == 404
        assert other_client.get(URL).json()["count"] == 0


class TestTmdbSearch:
    def test_a_film_not_mirrored_is_found_through_tmdb_search_and_mirrored(self, auth_client, user, tmdb):
        tmdb.movies[9437] = {**tmdb.movies.get(9437, {}), **_fake("Kiss the Girls", "1997-10-03", 9437)}

        body = imported(auth_client, b"Date,Name,Year,Letterboxd URI\n2025,Kiss the Girls,1997,x\n", "watchlist.csv")

        assert body["matched"] == 1
        assert Interaction.objects.get(user=user).movie == Movie.objects.get(tmdb_id=9437)
        assert tmdb.calls("/search/movie")[0].query["query"] == "Kiss the Girls"

    def test_tmdb_down_says_so_on_each_row_and_asks_once(self, auth_client, tmdb):
        tmdb.fail("/search/movie", status=503)
        data = b"Date,Name,Year,Letterboxd URI\n2025,Kiss the Girls,1997,x\n2025,Heathers,1989,x\n"

        body = imported(auth_client, data, "watchlist.csv")

        assert [row["reason"] for row in body["unmatched"]] == ["TMDb search unavailable: try again later"] * 2
        assert body["status"] == "done"


def _fake(title: str, release_date: str, tmdb_id: int) -> dict:
    from tests.fakes.tmdb import movie

    return movie(tmdb_id, title=title, original_title=title, release_date=release_date)
