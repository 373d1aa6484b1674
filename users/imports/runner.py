"""Running an import (in a Celery worker): rows streamed from the stored file, matched and written in batches.

Each batch is matched first (catalog reads, TMDb search: no transaction open), then written in one
transaction together with its progress (`rows`, the counts, its unmatched rows), so an interrupted import
resumes after its last committed batch. Writes follow the interaction rules (users.services) and the play
rules (users.history); the taste version moves once per batch that wrote anything.
"""

from __future__ import annotations

import datetime
import itertools
import logging
from collections import Counter
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from users.history import PlayWrite, plays_import_bulk
from users.imports.imdb import imdb_rows
from users.imports.letterboxd import letterboxd_rows
from users.imports.matching import CatalogMatcher, Resolved
from users.imports.rows import LIKED, PLAY, RATED, WATCHED, WATCHLIST, ImportRow, Part, Upload
from users.models import Import, ImportUnmatched, Interaction
from users.services import (
    WRITE_CREATED,
    WRITE_UNCHANGED,
    WRITE_UPDATED,
    InteractionWrite,
    interactions_write_bulk,
    user_taste_changed,
)

logger = logging.getLogger(__name__)

ROW_READERS = {Import.Format.LETTERBOXD: letterboxd_rows, Import.Format.IMDB: imdb_rows}
_TYPES = {
    RATED: Interaction.Type.RATED,
    WATCHED: Interaction.Type.WATCHED,
    WATCHLIST: Interaction.Type.WATCHLIST,
    LIKED: Interaction.Type.LIKED,
    PLAY: Interaction.Type.WATCHED,  # a play marks the movie watched
}
# A diary gives a date: its plays are stamped at noon UTC, which is that same date in every time zone
# from UTC-11 to UTC+11 (midnight would show as the day before across the Americas).
_DIARY_TIME = datetime.time(12, 0, tzinfo=datetime.UTC)


def import_run(*, import_id: int) -> Import | None:
    """Run a pending import (or resume a running one after its last committed batch). Returns the import, or
    None when there is nothing to run (already done or failed, or gone)."""
    claimed = Import.objects.filter(pk=import_id, status__in=[Import.Status.PENDING, Import.Status.RUNNING]).update(
        status=Import.Status.RUNNING
    )
    if not claimed:
        return None
    job = Import.objects.select_related("user").get(pk=import_id)
    if job.started_at is None:
        job.started_at = timezone.now()
        job.save(update_fields=["started_at"])
    try:
        _run(job)
    except Exception as exc:
        # The upload check read the whole file, so this is the machine's fault (the database, a bug), not
        # the file's: say so, keep what committed batches wrote (importing again is idempotent), re-raise.
        logger.exception("import %s failed", import_id)
        _finish(job, status=Import.Status.FAILED, error=f"The import stopped unexpectedly ({type(exc).__name__}).")
        raise
    _finish(job, status=Import.Status.DONE)
    job.refresh_from_db()
    return job


def _finish(job: Import, *, status: str, error: str = "") -> None:
    # The bytes were only kept for the worker: gone once the import has ended.
    Import.objects.filter(pk=job.pk).update(status=status, error=error, finished_at=timezone.now(), data=b"")


def _run(job: Import) -> None:
    upload = Upload(bytes(job.data), max_bytes=settings.IMPORT_MAX_BYTES)
    rows = ROW_READERS[job.format](upload, [Part(**part) for part in job.parts])
    matcher = CatalogMatcher(user=job.user)
    occurrences: Counter = Counter()
    rows = _skip_done(rows, job.rows, occurrences)
    while batch := list(itertools.islice(rows, settings.IMPORT_BATCH_ROWS)):
        _import_batch(job, matcher.resolve(batch), occurrences)


def _skip_done(rows: Iterator[ImportRow], done: int, occurrences: Counter) -> Iterator[ImportRow]:
    """The rows after the first `done` (committed by an earlier run), counting the skipped plays."""
    for index, row in enumerate(rows):
        if index < done:
            _occurrence(row, occurrences)
            continue
        yield row


def _occurrence(row: ImportRow, occurrences: Counter) -> int:
    """How many times this diary entry (title, year, date) has come up in the file so far, this one included."""
    if row.action != PLAY:
        return 0
    key = (row.file, row.title, row.year, row.watched_on)
    occurrences[key] += 1
    return occurrences[key]


def _import_batch(job: Import, resolved: list[Resolved], occurrences: Counter) -> None:
    matched = [item for item in resolved if item.movie_id is not None]
    writes = [InteractionWrite(item.movie_id, _TYPES[item.row.action], item.row.rating) for item in matched]
    plays = [
        PlayWrite(
            item.movie_id,
            datetime.datetime.combine(item.row.watched_on, _DIARY_TIME),
            item.row.rewatch,
            _occurrence(item.row, occurrences),
        )
        for item in matched
        if item.row.action == PLAY
    ]
    with transaction.atomic():
        outcomes = interactions_write_bulk(user=job.user, writes=writes)
        new_plays = iter(plays_import_bulk(user=job.user, plays=plays))
        counts = Counter()
        for item, outcome in zip(matched, outcomes, strict=True):
            if item.row.action == PLAY and next(new_plays):
                outcome = WRITE_CREATED
            counts[outcome] += 1
        ImportUnmatched.objects.bulk_create(
            [
                ImportUnmatched(
                    job=job,
                    file=item.row.file[:64],
                    row=item.row.row,
                    title=item.row.title[:500],
                    year=item.row.year,
                    reason=item.reason,
                )
                for item in resolved
                if item.movie_id is None
            ]
        )
        Import.objects.filter(pk=job.pk).update(
            rows=F("rows") + len(resolved),
            matched=F("matched") + len(matched),
            created=F("created") + counts[WRITE_CREATED],
            updated=F("updated") + counts[WRITE_UPDATED],
            unchanged=F("unchanged") + counts[WRITE_UNCHANGED],
        )
        if counts[WRITE_CREATED] or counts[WRITE_UPDATED]:
            user_taste_changed(user=job.user)
