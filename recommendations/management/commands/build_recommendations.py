from django.core.management.base import BaseCommand, CommandError

from recommendations.tasks import rebuild_recommendation_index


class Command(BaseCommand):
    help = "Build the recommendation index (content neighbours, co-occurrence, priors) from the database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-stale",
            action="store_true",
            help="Only build when the index does not match the catalog, incrementally when few movies changed "
            "(without it: a full build).",
        )

    def handle(self, *args, **options):
        result = rebuild_recommendation_index.apply(kwargs={"force": not options["if_stale"]}).get()
        if not result["built"]:
            raise CommandError(f"Not built: {result['reason']}.")
        self.stdout.write(
            f"Recommendation index {result['version'][:8]} ({result['kind']}): {result['movies']} movies, "
            f"{result['interactions']} interactions, {result['seconds']}s."
        )
