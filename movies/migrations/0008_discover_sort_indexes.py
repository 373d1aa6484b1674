from django.db import migrations, models

# Discover sorts nullable columns with NULLS LAST (movies.discover._ordering); an index says so only on
# PostgreSQL (SQLite's CREATE INDEX has no NULLS LAST), so these are not declared on the model.
_NULLS_LAST = {
    "movie_release_desc_idx": "release_date DESC NULLS LAST, tmdb_id",
    "movie_release_asc_idx": "release_date ASC NULLS LAST, tmdb_id",
    "movie_revenue_desc_idx": "revenue DESC NULLS LAST, tmdb_id",
}


def _create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, columns in _NULLS_LAST.items():
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "movies_movie" ({columns})')


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in _NULLS_LAST:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("movies", "0007_search_names"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="movie",
            index=models.Index(fields=["-vote_count", "tmdb_id"], name="movie_votes_desc_idx"),
        ),
        migrations.AddIndex(
            model_name="movie",
            index=models.Index(fields=["-vote_average", "tmdb_id"], name="movie_rating_desc_idx"),
        ),
        migrations.RunPython(_create, _drop),
    ]
