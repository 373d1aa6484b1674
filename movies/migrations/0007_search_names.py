# Search over people and collections, as over titles (0005): the names stored normalised
# (movies.text.search_key), a pattern-ops btree for exact and prefix matches, and on PostgreSQL a trigram GIN
# index for word matches (made outside the migration state: SQLite cannot build one).

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

from movies.text import search_key

BATCH = 2000
TRIGRAM_INDEXES = (("Person", "person_name_norm_trgm"), ("Collection", "collection_name_norm_trgm"))


def fill_normalized_names(apps, schema_editor):
    """Existing people and collections get their normalised names (a filled database keeps searching)."""
    for model_name, _ in TRIGRAM_INDEXES:
        model = apps.get_model("movies", model_name)
        last_pk = 0
        while True:
            rows = list(model.objects.filter(pk__gt=last_pk).order_by("pk").only("pk", "name")[:BATCH])
            if not rows:
                break
            for row in rows:
                row.name_normalized = search_key(row.name or "")[:255]  # as models.normalized_name
            model.objects.bulk_update(rows, ["name_normalized"])
            last_pk = rows[-1].pk


def derive_local_people(apps, schema_editor):
    """People of our own get a popularity and a department from their credits (as movies.graph.
    people_local_derive does for new loads), so search can rank them."""
    Person = apps.get_model("movies", "Person")
    Credit = apps.get_model("movies", "Credit")
    last_pk = 0
    while True:
        pks = list(Person.objects.filter(pk__gt=last_pk, tmdb_id__isnull=True).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not pks:
            return
        films, departments = {}, {}
        rows = Credit.objects.filter(person_id__in=pks).values_list(
            "person_id", "movie_id", "kind", "department", "movie__popularity"
        )
        for person_pk, movie_pk, kind, department, popularity in rows:
            films.setdefault(person_pk, {})[movie_pk] = popularity or 0.0
            name = "Acting" if kind == "cast" else department or "Acting"
            departments.setdefault(person_pk, {}).setdefault(name, set()).add(movie_pk)
        ties = {"Acting": 3, "Directing": 2, "Writing": 1}
        people = list(Person.objects.filter(pk__in=films))
        for person in people:
            person.popularity = round(sum(films[person.pk].values()), 3)
            ranked = max(departments[person.pk].items(), key=lambda kv: (len(kv[1]), ties.get(kv[0], 0)))
            person.known_for_department = ranked[0]
        Person.objects.bulk_update(people, ["popularity", "known_for_department"])
        last_pk = pks[-1]


def add_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index_name in TRIGRAM_INDEXES:
        index = GinIndex(fields=["name_normalized"], name=index_name, opclasses=["gin_trgm_ops"])
        schema_editor.add_index(apps.get_model("movies", model_name), index)


def remove_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index_name in TRIGRAM_INDEXES:
        index = GinIndex(fields=["name_normalized"], name=index_name, opclasses=["gin_trgm_ops"])
        schema_editor.remove_index(apps.get_model("movies", model_name), index)


class Migration(migrations.Migration):
    dependencies = [
        ("movies", "0006_movie_genres_genre_movie_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="collection",
            name="name_normalized",
            field=models.CharField(blank=True, editable=False, max_length=255),
        ),
        migrations.AddField(
            model_name="person",
            name="name_normalized",
            field=models.CharField(blank=True, editable=False, max_length=255),
        ),
        migrations.AddIndex(
            model_name="collection",
            index=models.Index(
                fields=["name_normalized"], name="collection_name_norm_idx", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["name_normalized"], name="person_name_norm_idx", opclasses=["varchar_pattern_ops"]),
        ),
        migrations.RunPython(fill_normalized_names, migrations.RunPython.noop),
        migrations.RunPython(derive_local_people, migrations.RunPython.noop),
        migrations.RunPython(add_trigram_indexes, remove_trigram_indexes),  # pg_trgm: created by 0005
    ]
