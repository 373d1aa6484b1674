"""Mirroring TMDb: `manage.py sync_tmdb`, the Celery tasks, idempotency, list order, interruption."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from movies import tasks
from movies.models import Genre, Movie, MovieListEntry, TmdbState
from movies.services import movie_list_sync, movies_upsert_from_tmdb
from movies.tmdb import CircuitBreaker, TmdbClient
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


def _ranks(category: str) -> list[int]:
    return list(
        MovieListEntry.objects.filter(category=category).order_by("rank").values_list("movie__tmdb_id", flat=True)
    )


def _sync(*args: str) -> str:
    out = StringIO()
    call_command("sync_tmdb", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_sync_mirrors_genres_configuration_and_every_list_in_tmdb_order(tmdb):
    tmdb.set_list("popular", [5, 3, 9])
    tmdb.set_list("trending_day", [9, 5])
    tmdb.set_list("top_rated", [3])

    output = _sync("--lists", "popular,trending_day,top_rated")

    assert _ranks("popular") == [5, 3, 9]
    assert _ranks("trending_day") == [9, 5]
    assert _ranks("top_rated") == [3]
    assert Genre.objects.get(tmdb_id=878).name == "Science Fiction"
    assert set(Movie.objects.get(tmdb_id=9).genres.values_list("tmdb_id", flat=True)) == {18, 878}
    assert TmdbState.objects.get(key="configuration").value["poster_sizes"]
    assert "popular" in output and "3 movies" in output and "Done in" in output


def test_sync_is_idempotent(tmdb):
    tmdb.set_list("popular", list(range(1, 46)))
    _sync("--lists", "popular", "--pages", "3")
    before = list(Movie.objects.order_by("tmdb_id").values_list("pk", "tmdb_id", "title", "popularity"))
    entries_before = _ranks("popular")

    _sync("--lists", "popular", "--pages", "3")

    assert list(Movie.objects.order_by("tmdb_id").values_list("pk", "tmdb_id", "title", "popularity")) == before
    assert _ranks("popular") == entries_before == list(range(1, 46))
    assert Movie.genres.through.objects.count() == sum(2 if i % 2 else 1 for i in range(1, 46))


def test_pages_limits_how_much_of_a_list_is_fetched(tmdb):
    tmdb.set_list("upcoming", list(range(1, 61)))

    _sync("--lists", "upcoming", "--pages", "2")

    assert _ranks("upcoming") == list(range(1, 41))
    assert len(tmdb.calls("/movie/upcoming")) == 2


def test_a_resync_follows_tmdb_reordering_and_drops_movies_that_left_the_list(tmdb):
    tmdb.set_list("popular", [1, 2, 3])
    _sync("--lists", "popular")
    tmdb.set_list("popular", [3, 4, 1])

    _sync("--lists", "popular")

    assert _ranks("popular") == [3, 4, 1]
    assert Movie.objects.filter(tmdb_id=2).exists()  # the movie stays mirrored, just not listed


def test_an_interrupted_list_keeps_its_previous_ranks_and_the_other_lists_still_sync(tmdb):
    tmdb.set_list("popular", list(range(1, 41)))
    tmdb.set_list("top_rated", [7, 8])
    _sync("--lists", "popular", "--pages", "2")
    tmdb.set_list("popular", list(range(100, 140)))
    # Page 2 fails on every attempt: the background policy gives up after its retries.
    tmdb.fail("/movie/popular", status=503, page=2)

    client = TmdbClient.for_background(sleep=lambda s: None, breaker=CircuitBreaker(threshold=100, cooldown=60))
    from movies.services import tmdb_sync

    summary = tmdb_sync(lists=["popular", "top_rated"], pages=2, client=client)

    assert "popular" in summary.errors and summary.lists == {"top_rated": 2}
    assert _ranks("popular") == list(range(1, 41))
    assert _ranks("top_rated") == [7, 8]


def test_the_command_fails_loudly_when_a_list_failed(tmdb, monkeypatch):
    monkeypatch.setattr("movies.tmdb.BACKGROUND", TmdbClient.for_request().policy)
    tmdb.fail("/movie/now_playing", status=500)

    with pytest.raises(CommandError, match="failed"):
        _sync("--lists", "now_playing")


def test_details_add_director_cast_and_keywords_and_list_syncs_never_blank_them(tmdb):
    tmdb.set_list("popular", [11, 12])

    output = _sync("--lists", "popular", "--details")
    _sync("--lists", "popular")  # a later list-only sync

    movie = Movie.objects.get(tmdb_id=11)
    assert movie.director == "Director 11"
    assert movie.cast[:2] == ["Actor 11-0", "Actor 11-1"] and len(movie.cast) == 12
    assert movie.keywords == ["space", "friendship"]
    assert movie.credits.count() == 14 and movie.keyword_list.count() == 2
    assert movie.runtime == 111 and movie.imdb_id == "tt0000011"
    assert movie.details_synced_at is not None
    assert "details" in output


def test_syncing_enriches_a_demo_row_with_the_same_tmdb_id(tmdb):
    demo = MovieFactory(tmdb_id=21, title="Old title", source=Movie.Source.DEMO, director="Someone")
    tmdb.set_list("popular", [21])

    _sync("--lists", "popular")

    demo.refresh_from_db()
    assert demo.title == "Film 21" and demo.source == Movie.Source.TMDB
    assert demo.director == "Someone"
    assert Movie.objects.count() == 1


def test_without_a_key_the_command_refuses_and_calls_nothing(fake_tmdb, settings):
    settings.TMDB_API_BASE_URL = fake_tmdb.base_url

    with pytest.raises(CommandError, match="not configured"):
        _sync()

    assert fake_tmdb.calls() == []


@pytest.mark.parametrize("args", [["--lists", "popular,nope"], ["--pages", "0"]])
def test_bad_arguments_are_refused(tmdb, args):
    with pytest.raises(CommandError):
        _sync(*args)
    assert tmdb.calls() == []


def test_upserts_skip_malformed_items():
    assert movies_upsert_from_tmdb(items=[{"id": "x"}, {"title": "no id"}, "junk"]) == {}


def test_list_sync_ignores_duplicate_ids_across_pages(tmdb):
    tmdb.set_list("popular", [1, 2] + list(range(3, 21)) + [2, 21])

    movie_list_sync(client=TmdbClient.for_background(), name="popular", pages=2)

    assert _ranks("popular") == list(range(1, 22))


# --- Celery tasks (eager in tests) -----------------------------------------------------------------


def test_the_scheduled_tasks_sync_through_the_same_services(tmdb):
    tmdb.set_list("trending_day", [1])
    tmdb.set_list("trending_week", [2])
    tmdb.set_list("popular", [3])

    tasks.sync_genres_and_configuration.delay()
    tasks.sync_trending.delay()
    tasks.sync_lists.delay(pages=1)

    assert Genre.objects.count() == 6
    assert _ranks("trending_day") == [1] and _ranks("trending_week") == [2] and _ranks("popular") == [3]
    assert TmdbState.objects.filter(key="configuration").exists()


def test_refresh_stale_details_fetches_the_movies_without_details(tmdb):
    tmdb.add_movies([31, 32])
    MovieFactory(tmdb_id=31)
    MovieFactory(tmdb_id=32)
    MovieFactory(tmdb_id=33)  # unknown to TMDb: stamped so it is not asked again every run

    assert tasks.refresh_stale_details.delay().get() == 2

    assert Movie.objects.get(tmdb_id=31).director == "Director 31"
    assert Movie.objects.filter(details_synced_at__isnull=True).count() == 0


def test_sync_changes_refreshes_only_mirrored_movies_tmdb_reports_as_changed(tmdb):
    tmdb.add_movies([41, 42, 43])
    MovieFactory(tmdb_id=41)
    MovieFactory(tmdb_id=42)
    tmdb.changes = [41, 43]

    assert tasks.sync_changes.delay().get() == 1

    assert Movie.objects.get(tmdb_id=41).director == "Director 41"
    assert Movie.objects.get(tmdb_id=42).director == ""
    assert not Movie.objects.filter(tmdb_id=43).exists()
    assert TmdbState.objects.get(key="changes").value["through"]


def test_tasks_without_a_key_do_nothing(fake_tmdb):
    assert tasks.sync_trending.delay().get() is None
    assert tasks.sync_changes.delay().get() is None
    assert fake_tmdb.calls() == []
