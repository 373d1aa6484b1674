"""`sync_tmdb --all`: a full mirror from TMDb's daily id export, resumable, served by the loopback fake."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from movies.models import Movie, TmdbState

pytestmark = pytest.mark.django_db


def _entry(tmdb_id: int, **overrides) -> dict:
    data = {"adult": False, "id": tmdb_id, "original_title": f"Film {tmdb_id}", "popularity": 5.0, "video": False}
    data.update(overrides)
    return data


@pytest.fixture
def mirror(settings, tmdb):
    settings.TMDB_EXPORTS_BASE_URL = tmdb.exports_url
    settings.TMDB_BREAKER_THRESHOLD = 100
    tmdb.add_movies(range(1, 11))
    return tmdb


def _today() -> datetime.date:
    return timezone.now().astimezone(datetime.UTC).date()


def _run(*args: str) -> str:
    out = StringIO()
    call_command("sync_tmdb", "--all", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_mirror_writes_rows_skips_adult_video_and_unpopular_and_prints_progress(mirror):
    entries = [_entry(i) for i in range(1, 6)]
    entries += [_entry(6, adult=True), _entry(7, video=True), _entry(8, popularity=0.1)]
    mirror.set_export(_today(), entries)

    output = _run("--min-popularity", "1", "--batch-size", "2")

    assert set(Movie.objects.values_list("tmdb_id", flat=True)) == {1, 2, 3, 4, 5}
    assert Movie.objects.filter(details_synced_at__isnull=False).count() == 5
    assert sorted(int(c.path.rsplit("/", 1)[1]) for c in mirror.calls("/movie/")) == [1, 2, 3, 4, 5]
    assert "5/5 movies" in output and "/s, ETA" in output and "0 failed" in output
    assert "complete" in output


def test_yesterdays_export_is_used_when_todays_is_not_published(mirror):
    mirror.set_export(_today() - datetime.timedelta(days=1), [_entry(3)])

    output = _run()

    assert list(Movie.objects.values_list("tmdb_id", flat=True)) == [3]
    assert (_today() - datetime.timedelta(days=1)).isoformat() in output


def test_a_movie_deleted_upstream_is_recorded_and_skipped(mirror):
    mirror.set_export(_today(), [_entry(1), _entry(404), _entry(2)])

    output = _run()

    assert set(Movie.objects.values_list("tmdb_id", flat=True)) == {1, 2}
    assert TmdbState.objects.get(key="mirror").value["failed_ids"] == [404]
    assert "1 not found upstream" in output
    _run()  # finished: a re-run of the same export fetches nothing
    assert len(mirror.calls("/movie/404")) == 1


def test_a_rerun_after_a_limited_run_continues_and_fetches_nothing_twice(mirror):
    mirror.set_export(_today(), [_entry(i) for i in range(1, 11)])

    _run("--limit", "4", "--batch-size", "3")
    assert Movie.objects.count() == 4
    _run("--batch-size", "3")

    assert Movie.objects.count() == 10
    fetched = [c.path for c in mirror.calls("/movie/")]
    assert len(fetched) == len(set(fetched)) == 10


def test_an_outage_stops_the_run_and_a_rerun_resumes_where_it_stopped(mirror, settings):
    mirror.set_export(_today(), [_entry(i) for i in range(1, 7)])
    mirror.fail("/movie/4", status=503)

    with pytest.raises(CommandError, match="re-run to continue"):
        _run("--batch-size", "2")
    assert set(Movie.objects.values_list("tmdb_id", flat=True)) == {1, 2, 3}
    assert TmdbState.objects.get(key="mirror").value["failed_ids"] == []

    mirror.heal()
    _run("--batch-size", "2")
    assert Movie.objects.count() == 6
    assert [len(mirror.calls(f"/movie/{i}")) for i in (1, 2, 3, 5, 6)] == [1, 1, 1, 1, 1]


# --- sync_changes: keeping the mirror current --------------------------------------------------------


def _changes(*args: str) -> str:
    out = StringIO()
    call_command("sync_changes", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_sync_changes_refreshes_the_mirrored_movies_changed_since_and_checkpoints(tmdb):
    today = _today()
    tmdb.add_movies([1, 2, 3], title="Changed upstream")
    for tmdb_id in (1, 2):
        Movie.objects.create(tmdb_id=tmdb_id, title=f"Old {tmdb_id}", **Movie.normalized_titles(title="old"))
    tmdb.changes_on = {(today - datetime.timedelta(days=2)).isoformat(): [1, 3]}

    out = _changes("--since", (today - datetime.timedelta(days=3)).isoformat())

    assert Movie.objects.get(tmdb_id=1).title == "Changed upstream"  # mirrored and changed
    assert Movie.objects.get(tmdb_id=2).title == "Old 2"  # mirrored, not changed
    assert not Movie.objects.filter(tmdb_id=3).exists()  # changed, not mirrored: the export's job
    assert [c.path for c in tmdb.calls("/movie/")] == ["/movie/changes", "/movie/1"]
    assert TmdbState.objects.get(key="changes").value == {"through": today.isoformat()}
    assert "2 changed on TMDb, 1 mirrored, 1 refreshed" in out and f"through {today.isoformat()}" in out


def test_sync_changes_walks_a_long_pause_in_14_day_windows_oldest_first(tmdb):
    today = _today()
    since = today - datetime.timedelta(days=30)
    tmdb.add_movies([7])
    Movie.objects.create(tmdb_id=7, title="Seven", **Movie.normalized_titles(title="Seven"))
    tmdb.changes_on = {(since + datetime.timedelta(days=1)).isoformat(): [7]}

    out = _changes("--since", since.isoformat())

    windows = [(c.query["start_date"], c.query["end_date"]) for c in tmdb.calls("/movie/changes")]
    assert windows == [
        (since.isoformat(), (since + datetime.timedelta(days=13)).isoformat()),
        ((since + datetime.timedelta(days=14)).isoformat(), (since + datetime.timedelta(days=27)).isoformat()),
        ((since + datetime.timedelta(days=28)).isoformat(), today.isoformat()),
    ]
    assert len(tmdb.calls("/movie/7")) == 1 and "3 window(s)" in out


def test_sync_changes_continues_from_its_checkpoint_and_a_failure_keeps_the_windows_done(settings, tmdb):
    settings.TMDB_BREAKER_THRESHOLD = 100
    today = _today()
    TmdbState.objects.create(key="changes", value={"through": (today - datetime.timedelta(days=20)).isoformat()})
    tmdb.fail("/movie/changes", status=500, times=None, page=None)

    with pytest.raises(CommandError, match="TMDb failed"):
        _changes()
    assert TmdbState.objects.get(key="changes").value["through"] == (today - datetime.timedelta(days=20)).isoformat()

    tmdb.heal()
    _changes()  # from the checkpoint: two windows
    assert [c.query["start_date"] for c in tmdb.calls("/movie/changes")][-2:] == [
        (today - datetime.timedelta(days=20)).isoformat(),
        (today - datetime.timedelta(days=6)).isoformat(),
    ]
    assert TmdbState.objects.get(key="changes").value["through"] == today.isoformat()


def test_sync_changes_needs_a_key_and_a_real_date(fake_tmdb):
    with pytest.raises(CommandError, match="not configured"):
        _changes()
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _changes("--since", "last week")
    assert fake_tmdb.calls() == []
