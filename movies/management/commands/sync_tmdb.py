"""`manage.py sync_tmdb [--lists a,b] [--pages N] [--details]`: mirror genres, lists and details from TMDb.

`manage.py sync_tmdb --all [--min-popularity X] [--limit N] [--batch-size N]`: mirror every movie of TMDb's
daily id export (movies/mirror.py), resumable.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from movies.mirror import mirror_all
from movies.services import SYNC_LISTS, tmdb_sync
from movies.tmdb import TmdbClient, TmdbError, TmdbNotConfigured


class Command(BaseCommand):
    help = "Mirror TMDb genres, lists (and with --details, credits and keywords) into the database. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--lists",
            default=",".join(SYNC_LISTS),
            help=f"Comma-separated lists to sync (default: all of {','.join(SYNC_LISTS)}).",
        )
        parser.add_argument("--pages", type=int, default=1, help="TMDb pages (20 movies each) per list; default 1.")
        parser.add_argument("--details", action="store_true", help="Also fetch credits and keywords of listed movies.")
        parser.add_argument("--all", action="store_true", help="Mirror every movie of TMDb's daily id export.")
        parser.add_argument("--min-popularity", type=float, default=0.0, help="With --all: skip less popular movies.")
        parser.add_argument("--limit", type=int, default=None, help="With --all: fetch at most N movies this run.")
        parser.add_argument("--batch-size", type=int, default=100, help="With --all: movies per committed batch.")

    def handle(self, *args, lists: str, pages: int, details: bool, **options):
        if options["all"]:
            return self._mirror_all(options)
        names = [n.strip() for n in lists.split(",") if n.strip()]
        unknown = [n for n in names if n not in SYNC_LISTS]
        if unknown or not names:
            raise CommandError(
                f"unknown list(s): {', '.join(unknown) or '(none)'}; choose from {', '.join(SYNC_LISTS)}"
            )
        if not 1 <= pages <= 500:
            raise CommandError("--pages must be between 1 and 500")
        started = time.monotonic()

        def progress(step: str, message: str) -> None:
            self.stdout.write(f"  {step:<14} {message}")
            self.stdout.flush()

        self.stdout.write(f"Syncing {', '.join(names)} ({pages} page(s) each){' with details' if details else ''}")
        try:
            summary = tmdb_sync(lists=names, pages=pages, details=details, progress=progress)
        except TmdbNotConfigured as exc:
            raise CommandError(f"{exc} Without a key the service runs on the bundled catalog.") from None
        except TmdbError as exc:
            raise CommandError(f"TMDb failed: {exc}") from None
        except KeyboardInterrupt:
            # Each list is written in one transaction after its pages are fetched: nothing half-written.
            raise CommandError("Interrupted; lists already synced are kept, the rest are unchanged.") from None
        elapsed = time.monotonic() - started
        listed = sum(summary.lists.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {elapsed:.2f}s: {summary.genres} genres, {listed} list entries in {len(summary.lists)} "
                f"list(s), {summary.details} details; {summary.movies_total} movies mirrored."
            )
        )
        for notice in summary.notices:
            self.stdout.write(self.style.WARNING(f"  {notice}"))
        for what, error in summary.errors.items():
            self.stderr.write(self.style.WARNING(f"  {what}: {error}"))
        if summary.errors:
            raise CommandError(f"{len(summary.errors)} step(s) failed; re-run to retry them.")

    def _mirror_all(self, options) -> None:
        client = TmdbClient.for_background()
        if not client.configured:
            raise CommandError("TMDb is not configured (set TMDB_READ_ACCESS_TOKEN or TMDB_API_KEY).")

        def progress(line: str) -> None:
            self.stdout.write(f"  {line}")
            self.stdout.flush()

        try:
            summary = mirror_all(
                client=client,
                min_popularity=options["min_popularity"],
                limit=options["limit"],
                batch_size=options["batch_size"],
                progress=progress,
            )
        except TmdbError as exc:
            raise CommandError(f"TMDb failed: {exc}") from None
        except KeyboardInterrupt:
            raise CommandError("Interrupted; committed batches are kept, a re-run continues after them.") from None
        for notice in summary.notices:
            self.stdout.write(self.style.WARNING(f"  {notice}"))
        if summary.stopped:
            raise CommandError(f"TMDb failed, stopped at {summary.done} movies (re-run to continue): {summary.stopped}")
        state = "complete" if summary.finished else "paused (re-run to continue)"
        self.stdout.write(
            self.style.SUCCESS(
                f"Mirror of export {summary.export} {state}: {summary.done}/{summary.total} movies, "
                f"{summary.fetched_now} fetched this run, {summary.failed} not found upstream."
            )
        )
