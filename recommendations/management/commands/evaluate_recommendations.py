from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from recommendations import services
from recommendations.evaluation import report, run

DEFAULT_DATA_DIR = Path(settings.BASE_DIR).parent / "shared" / "data" / "ml-latest-small"
DEFAULT_OUT = Path(settings.BASE_DIR) / "docs" / "eval"


class Command(BaseCommand):
    help = (
        "Offline quality on MovieLens: popularity, ItemKNN, EASE and our engine on each user's last 20% of "
        "ratings; writes docs/eval/recommendations.md and .png, and stores the metrics as an EvaluationRun row."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="ml-latest-small directory.")
        parser.add_argument("--seed", type=int, default=42, help="Tie-breaking seed of the split.")
        parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Where the table and chart go.")

    def handle(self, *args, **options):
        data_dir: Path = options["data_dir"]
        if not (data_dir / "ratings.csv").exists():
            raise CommandError(
                f"No MovieLens data at {data_dir}. Download ml-latest-small from GroupLens, unpack it outside "
                "the repository and pass --data-dir."
            )
        result = run.evaluate(data_dir, seed=options["seed"], log=self.stdout.write)
        table = report.markdown(result)
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        (out / "recommendations.md").write_text(
            "# Offline evaluation of the recommenders\n\n"
            f"`make eval` (`python manage.py evaluate_recommendations --seed {result['seed']}`), "
            f"{result['seconds']:.0f}s.\n\n" + table + "\n![chart](recommendations.png)\n"
        )
        report.chart(result, out / "recommendations.png")
        self.stdout.write(table)
        try:
            row = services.evaluation_run_record(dataset=data_dir.name, result=result)
            self.stdout.write(f"Stored evaluation run {row.pk} (see /api/admin/model-performance/).")
        except DatabaseError as exc:  # the harness itself needs no database; say so and keep the files
            self.stderr.write(f"Evaluation run not stored in the database: {exc}")
        self.stdout.write(f"Wrote {out / 'recommendations.md'} and {out / 'recommendations.png'}.")
