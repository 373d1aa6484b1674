"""A full mirror of TMDb's catalog: every movie of TMDb's daily id export, with details, resumable; and the
changes since, from TMDb's change list (`mirror_changes`, the daily `sync_changes`).

The export (about 1M gzipped JSON lines) is streamed to a temporary file, then read twice line by line: once
to count what will be fetched, once to fetch it. Each batch is fetched first (no transaction open across a
call), then written together with the checkpoint (`TmdbState` key "mirror": the export date and how many
lines of it are done) in one transaction, so a re-run continues after the last committed batch and fetches
nothing twice. A 404 (a movie deleted since the export) is recorded and skipped; any other TMDb failure,
once the client's retries and breaker give up, stops the run at the last committed batch.
"""

from __future__ import annotations

import datetime
import gzip
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction
from django.utils import timezone

from movies.models import Movie, TmdbState
from movies.services import catalog_bulk_changed, movies_upsert_from_tmdb
from movies.tmdb import TmdbClient, TmdbError, TmdbNotFound

STATE_KEY = "mirror"
MAX_FAILED_KEPT = 10_000  # ids of deleted movies kept in the checkpoint, for the record


@dataclass
class MirrorSummary:
    export: str = ""
    total: int = 0  # entries of the export to fetch (after adult, video and popularity filters)
    done: int = 0  # fetched and written, this run and the runs it continues
    failed: int = 0  # not found upstream (deleted since the export)
    fetched_now: int = 0
    finished: bool = False
    stopped: str = ""  # why the run stopped early (TMDb failing), empty when it did not
    notices: list[str] = field(default_factory=list)


def _wanted(entry: object, min_popularity: float) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("id"), int)
        and not entry.get("adult")
        and not entry.get("video")
        and float(entry.get("popularity") or 0) >= min_popularity
    )


def _lines(path: str) -> Iterator[dict | None]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            try:
                yield json.loads(line)
            except ValueError:
                yield None  # a torn line counts as a line, so positions stay stable


def export_download(*, client: TmdbClient, into: IO[bytes], prefer: datetime.date | None = None) -> datetime.date:
    """Download the export to resume (`prefer`), else today's (UTC), else yesterday's; returns its date."""
    today = timezone.now().astimezone(datetime.UTC).date()
    days = [d for d in (prefer, today, today - datetime.timedelta(days=1)) if d is not None]
    for index, day in enumerate(dict.fromkeys(days)):
        into.seek(0)
        into.truncate()
        try:
            client.movie_ids_export(day=day, into=into)
            into.flush()
            return day
        except TmdbNotFound:
            if index == len(dict.fromkeys(days)) - 1:
                raise
    raise AssertionError("unreachable")


def mirror_all(
    *,
    client: TmdbClient,
    min_popularity: float = 0.0,
    limit: int | None = None,
    batch_size: int = 100,
    progress: Callable[[str], None] | None = None,
) -> MirrorSummary:
    """Fetch details of every wanted movie of TMDb's id export, continuing an interrupted run of it."""
    report = progress or (lambda line: None)
    state, _ = TmdbState.objects.get_or_create(key=STATE_KEY)
    saved = state.value
    unfinished = saved.get("export") and not saved.get("finished") and saved.get("min_popularity") == min_popularity
    prefer = datetime.date.fromisoformat(saved["export"]) if unfinished else None
    with tempfile.NamedTemporaryFile(suffix=".json.gz") as file:
        day = export_download(client=client, into=file, prefer=prefer)
        # The same export again (finished or not) continues from its checkpoint; a newer one starts over.
        if not (saved.get("export") == day.isoformat() and saved.get("min_popularity") == min_popularity):
            saved = {"export": day.isoformat(), "min_popularity": min_popularity, "position": 0, "done": 0}
            saved["failed_ids"] = []
        summary = MirrorSummary(export=day.isoformat(), done=saved["done"], failed=len(saved["failed_ids"]))
        summary.total = sum(1 for entry in _lines(file.name) if _wanted(entry, min_popularity))
        report(f"export {day.isoformat()}: {summary.total} movies to mirror, {summary.done} done before")
        _fetch(client, file.name, saved, summary, min_popularity, limit, max(1, batch_size), report)
    if summary.fetched_now:
        catalog_bulk_changed(notify=summary.notices.append)
    return summary


def _fetch(client, path, saved, summary, min_popularity, limit, batch_size, report) -> None:
    started = time.monotonic()
    batch: list[dict] = []
    failed: list[int] = []
    position = 0

    def commit(upto: int) -> None:
        with transaction.atomic():
            movies_upsert_from_tmdb(items=batch, details=True)
            saved["position"] = upto
            saved["done"] += len(batch)
            saved["failed_ids"] = (saved["failed_ids"] + failed)[-MAX_FAILED_KEPT:]
            TmdbState.objects.update_or_create(key=STATE_KEY, defaults={"value": saved})
        summary.done, summary.fetched_now = saved["done"], summary.fetched_now + len(batch)
        summary.failed += len(failed)
        rate = summary.fetched_now / max(time.monotonic() - started, 1e-9)
        left = max(summary.total - summary.done - summary.failed, 0)
        eta = datetime.timedelta(seconds=round(left / rate)) if rate else "?"
        report(
            f"{summary.done + summary.failed}/{summary.total} movies, {rate:.1f}/s, ETA {eta}, {summary.failed} failed"
        )
        batch.clear()
        failed.clear()

    limited = False
    for position, entry in enumerate(_lines(path), start=1):
        if position <= saved["position"] or not _wanted(entry, min_popularity):
            continue
        if limit is not None and summary.fetched_now + len(batch) + summary.failed + len(failed) >= limit:
            limited, position = True, position - 1
            break
        try:
            batch.append(client.movie_details(tmdb_id=entry["id"]))
        except TmdbNotFound:
            failed.append(entry["id"])
        except TmdbError as exc:
            commit(position - 1)  # keep what this batch fetched; the failing movie is the next run's first
            summary.stopped = str(exc)
            return
        if len(batch) + len(failed) >= batch_size:
            commit(position)
    saved["finished"] = not limited
    commit(max(position, saved["position"]))
    summary.finished = not limited


# --- Keeping it current: TMDb's change list ---------------------------------------------------------

CHANGES_KEY = "changes"
CHANGES_WINDOW_DAYS = 14  # TMDb answers /movie/changes for at most 14 days at a time


@dataclass
class ChangesSummary:
    windows: list[str] = field(default_factory=list)  # "start..end" of each window done
    reported: int = 0  # ids TMDb listed as changed
    refreshed: int = 0  # mirrored movies fetched again and written
    not_found: int = 0  # mirrored movies TMDb no longer has
    through: str = ""  # the day the mirror is now current through
    notices: list[str] = field(default_factory=list)


def mirror_changes(
    *,
    client: TmdbClient,
    since: datetime.date | None = None,
    max_pages: int = 500,
    progress: Callable[[str], None] | None = None,
) -> ChangesSummary:
    """Fetch again every mirrored movie TMDb lists as changed since `since` (default: the day the last run
    was current through, else yesterday), in windows of 14 days, oldest first.

    After each window its refreshed movies and the checkpoint (`TmdbState` key "changes": `through`) are
    committed together, so an interrupted run resumes at the first window not done. Movies TMDb lists that
    are not mirrored are left to the next `sync_tmdb --all` (the export lists new films). A TMDb failure
    (after the client's retries) ends the run at the last committed window and is raised to the caller.
    """
    report = progress or (lambda line: None)
    today = timezone.now().astimezone(datetime.UTC).date()
    state, _ = TmdbState.objects.get_or_create(key=CHANGES_KEY)
    saved = state.value.get("through")
    start = since or (datetime.date.fromisoformat(saved) if saved else today - datetime.timedelta(days=1))
    start = min(start, today)
    summary = ChangesSummary(through=saved or "")
    try:
        while True:
            end = min(start + datetime.timedelta(days=CHANGES_WINDOW_DAYS - 1), today)
            _changes_window(client, start, end, max_pages, summary, report)
            if end >= today:
                break
            start = end + datetime.timedelta(days=1)
    finally:
        if summary.refreshed:
            catalog_bulk_changed(notify=summary.notices.append)
    return summary


def _changes_window(client, start, end, max_pages, summary, report) -> None:
    changed: set[int] = set()
    page, pages = 1, 1
    while page <= min(pages, max_pages):
        body = client.movie_changes(start_date=start.isoformat(), end_date=end.isoformat(), page=page)
        results = body.get("results") if isinstance(body.get("results"), list) else []
        changed.update(r["id"] for r in results if isinstance(r, dict) and isinstance(r.get("id"), int))
        pages = body.get("total_pages") if isinstance(body.get("total_pages"), int) else 1
        page += 1
    mirrored = sorted(Movie.objects.filter(tmdb_id__in=changed).values_list("tmdb_id", flat=True))
    fetched: list[dict] = []
    missing = 0
    for tmdb_id in mirrored:  # fetched before the transaction: none is held open across a call
        try:
            fetched.append(client.movie_details(tmdb_id=tmdb_id))
        except TmdbNotFound:
            missing += 1
    with transaction.atomic():
        if fetched:
            movies_upsert_from_tmdb(items=fetched, details=True)
        TmdbState.objects.update_or_create(key=CHANGES_KEY, defaults={"value": {"through": end.isoformat()}})
    summary.windows.append(f"{start.isoformat()}..{end.isoformat()}")
    summary.reported += len(changed)
    summary.refreshed += len(fetched)
    summary.not_found += missing
    summary.through = end.isoformat()
    report(
        f"{start.isoformat()}..{end.isoformat()}: {len(changed)} changed on TMDb, {len(mirrored)} mirrored, "
        f"{len(fetched)} refreshed, {missing} not found"
    )
