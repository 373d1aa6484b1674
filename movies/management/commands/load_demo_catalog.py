"""`manage.py load_demo_catalog [--if-empty]`: load the bundled demo catalog (no network, no keys)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from movies.demo import DemoCatalogError, after_catalog_change, demo_catalog_load


class Command(BaseCommand):
    help = "Load the bundled demo catalog of real films into the mirror (idempotent; upserts by tmdb_id)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the catalog already holds any movie."
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        try:
            result = demo_catalog_load(if_empty=options["if_empty"])
        except DemoCatalogError as exc:
            raise CommandError(str(exc)) from exc
        if result.skipped:
            self.stdout.write("Catalog not empty: demo catalog not loaded (--if-empty).")
            return
        # Single call point for what must follow a bulk catalog change (the recommendation index rebuild).
        notices: list[str] = []
        if result.changed:
            after_catalog_change(notify=notices.append)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalog: {result.total} films, {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged ({result.from_tmdb} already synced from TMDb) "
                f"in {time.monotonic() - started:.1f}s."
            )
        )
        for notice in notices:
            self.stdout.write(self.style.WARNING(f"  {notice}"))
