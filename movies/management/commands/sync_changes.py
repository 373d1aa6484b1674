"""`manage.py sync_changes [--since YYYY-MM-DD]`: fetch again the mirrored movies TMDb changed since then.

The Celery beat runs the same every 12 hours (movies.tasks.sync_changes); this is the same work by hand, for
a first run after `sync_tmdb --all` (`--since` the export's date) or after a long pause (windows of 14 days,
oldest first, each committed with its checkpoint).
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from movies.mirror import mirror_changes
from movies.tmdb import TmdbClient, TmdbError


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since: expected a date YYYY-MM-DD, got {value!r}") from None


class Command(BaseCommand):
    help = "Fetch again every mirrored movie TMDb lists as changed since --since (default: since the last run)."

    def add_arguments(self, parser: CommandParser):
        parser.add_argument(
            "--since",
            default=None,
            help="First day (YYYY-MM-DD) of changes to apply; default the day the last run was current through.",
        )

    def handle(self, *args, since: str | None, **options):
        start = _day(since) if since else None
        client = TmdbClient.for_background()
        if not client.configured:
            raise CommandError("TMDb is not configured (set TMDB_READ_ACCESS_TOKEN or TMDB_API_KEY).")

        def progress(line: str) -> None:
            self.stdout.write(f"  {line}")
            self.stdout.flush()

        try:
            summary = mirror_changes(client=client, since=start, progress=progress)
        except TmdbError as exc:
            raise CommandError(f"TMDb failed (windows done are kept; a re-run continues): {exc}") from None
        for notice in summary.notices:
            self.stdout.write(self.style.WARNING(f"  {notice}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Changes applied through {summary.through}: {len(summary.windows)} window(s), "
                f"{summary.reported} changed on TMDb, {summary.refreshed} mirrored movies refreshed, "
                f"{summary.not_found} not found upstream."
            )
        )
