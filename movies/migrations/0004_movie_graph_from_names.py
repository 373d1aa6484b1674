"""Data: the people and keywords a mirror of the previous version holds as names become rows.

Each movie's `director`, `writer` and `cast` names become credits of people of our own (local ids derived
from the name, movies/local_ids.py), its `keywords` names keywords of our own; a later TMDb sync of the movie
takes those people and keywords over by name. Movies, favorites, interactions and every other row are left
as they are. Movies that already have credits (or keywords) are skipped, so running it twice adds nothing.
"""

from django.db import migrations

from movies.local_ids import local_id, name_key, split_credit_names

CHUNK = 500


def _names(values) -> list[str]:
    names = [v.get("name", "") if isinstance(v, dict) else str(v) for v in values or []]
    return [n.strip()[:255] for n in names if name_key(n)]


def _ensure(model, kind: str, names: set[str]) -> dict[int, int]:
    """{local id: pk} for these names, creating the rows that are missing."""
    by_id = {local_id(kind, name): name for name in sorted(names)}
    model.objects.bulk_create([model(local_id=lid, name=name) for lid, name in by_id.items()], ignore_conflicts=True)
    pks = {}
    ids = list(by_id)
    for start in range(0, len(ids), CHUNK):
        pks.update(model.objects.filter(local_id__in=ids[start : start + CHUNK]).values_list("local_id", "pk"))
    return pks


def _chunk_forward(apps, rows) -> None:
    Person, Credit = apps.get_model("movies", "Person"), apps.get_model("movies", "Credit")
    Keyword, MovieKeyword = apps.get_model("movies", "Keyword"), apps.get_model("movies", "MovieKeyword")
    pks = [pk for pk, *_ in rows]
    credited = set(Credit.objects.filter(movie_id__in=pks).values_list("movie_id", flat=True))
    tagged = set(MovieKeyword.objects.filter(movie_id__in=pks).values_list("movie_id", flat=True))
    credits, keywords = {}, {}
    for pk, director, writer, cast, words in rows:
        if pk not in credited:
            crew = [("Director", "Directing", n) for n in dict.fromkeys(split_credit_names(director))]
            crew += [("Writer", "Writing", n) for n in dict.fromkeys(split_credit_names(writer))]
            credits[pk] = (list(dict.fromkeys(_names(cast))), crew)
        if pk not in tagged:
            keywords[pk] = list(dict.fromkeys(_names(words)))
    people = _ensure(Person, "person", {n for cast, crew in credits.values() for n in cast + [c[2] for c in crew]})
    Credit.objects.bulk_create(
        [
            Credit(movie_id=pk, person_id=people[local_id("person", name)], kind="cast", order=order)
            for pk, (cast, _) in credits.items()
            for order, name in enumerate(cast)
        ]
        + [
            Credit(movie_id=pk, person_id=people[local_id("person", n)], kind="crew", job=job, department=dept, order=i)
            for pk, (_, crew) in credits.items()
            for i, (job, dept, n) in enumerate(crew)
        ]
    )
    tags = _ensure(Keyword, "keyword", {n for names in keywords.values() for n in names})
    MovieKeyword.objects.bulk_create(
        [
            MovieKeyword(movie_id=pk, keyword_id=tags[local_id("keyword", name)], order=order)
            for pk, names in keywords.items()
            for order, name in enumerate(names)
        ],
        ignore_conflicts=True,
    )


def forward(apps, schema_editor):
    Movie = apps.get_model("movies", "Movie")
    rows = Movie.objects.order_by("pk").values_list("pk", "director", "writer", "cast", "keywords")
    chunk = []
    for row in rows.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            _chunk_forward(apps, chunk)
            chunk = []
    if chunk:
        _chunk_forward(apps, chunk)


def backward(apps, schema_editor):
    """Remove what `forward` made (the name columns still hold the names)."""
    apps.get_model("movies", "Credit").objects.filter(credit_id="").delete()
    apps.get_model("movies", "MovieKeyword").objects.filter(keyword__tmdb_id__isnull=True).delete()
    apps.get_model("movies", "Person").objects.filter(tmdb_id__isnull=True, credits__isnull=True).delete()
    apps.get_model("movies", "Keyword").objects.filter(tmdb_id__isnull=True, movie_links__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("movies", "0003_movie_graph")]

    operations = [migrations.RunPython(forward, backward)]
