"""genre -> movies for discover's with_genres / without_genres: (genre_id, movie_id) on the many-to-many table
Django creates for Movie.genres (its own indexes are (movie_id, genre_id) and genre_id alone, which cannot answer
a semi-join or a count from the index only)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("movies", "0005_search_titles")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX movie_genres_genre_movie_idx ON movies_movie_genres (genre_id, movie_id)",
            reverse_sql="DROP INDEX movie_genres_genre_movie_idx",
        )
    ]
