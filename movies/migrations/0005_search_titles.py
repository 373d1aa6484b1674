# Search that ignores case and accents: the titles stored normalised (movies.text.search_key), an index for
# exact and prefix matches on every database, and on PostgreSQL pg_trgm with a trigram GIN index over both
# titles, so a word match (LIKE '%word%') at 100k movies reads the index, not every title. The trigram indexes are
# made outside the migration state (SQLite cannot build them, and SQLite rebuilds tables from that state).

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from movies.text import search_key

BATCH = 2000
TRIGRAM_INDEXES = (("titles_normalized", "movie_titles_norm_trgm"),)


def fill_normalized_titles(apps, schema_editor):
    """Existing rows get their normalised titles (a database filled by older code keeps searching)."""
    Movie = apps.get_model("movies", "Movie")
    last_pk = 0
    while True:
        rows = list(Movie.objects.filter(pk__gt=last_pk).order_by("pk").only("pk", "title", "original_title")[:BATCH])
        if not rows:
            return
        for movie in rows:
            # As Movie.normalized_titles does (a migration keeps its own copy of what it writes).
            title, original = search_key(movie.title)[:255], search_key(movie.original_title)[:255]
            movie.title_normalized = title
            movie.titles_normalized = f"{title} / {original}" if original and original != title else title
        Movie.objects.bulk_update(rows, ["title_normalized", "titles_normalized"])
        last_pk = rows[-1].pk


class TrigramExtensionKept(TrigramExtension):
    """pg_trgm, created on PostgreSQL only; reversing keeps it (other indexes may use it, and Django's own
    reverse would query pg_extension on SQLite too)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


def _trigram_indexes():
    return [GinIndex(fields=[field], name=name, opclasses=["gin_trgm_ops"]) for field, name in TRIGRAM_INDEXES]


def add_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Movie = apps.get_model("movies", "Movie")
    for index in _trigram_indexes():
        schema_editor.add_index(Movie, index)


def remove_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Movie = apps.get_model("movies", "Movie")
    for index in _trigram_indexes():
        schema_editor.remove_index(Movie, index)


class Migration(migrations.Migration):
    dependencies = [
        ("movies", "0004_movie_graph_from_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="movie",
            name="title_normalized",
            field=models.CharField(blank=True, editable=False, max_length=255),
        ),
        migrations.AddField(
            model_name="movie",
            name="titles_normalized",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddIndex(
            model_name="movie",
            index=models.Index(
                fields=["title_normalized"], name="movie_title_norm_idx", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.RunPython(fill_normalized_titles, migrations.RunPython.noop),
        TrigramExtensionKept(),  # does nothing on other databases
        migrations.RunPython(add_trigram_indexes, remove_trigram_indexes),
    ]
