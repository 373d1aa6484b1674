"""The TMDb mirror: genres, movies and list memberships, so every list is answered from the database."""

from __future__ import annotations

from django.db import models

from movies.text import search_key


class Genre(models.Model):
    tmdb_id = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Movie(models.Model):
    class Source(models.TextChoices):
        DEMO = "demo", "Bundled demo catalog"
        TMDB = "tmdb", "TMDb"

    tmdb_id = models.PositiveIntegerField(unique=True)
    imdb_id = models.CharField(max_length=16, blank=True, db_index=True)
    title = models.CharField(max_length=255)
    original_title = models.CharField(max_length=255, blank=True)
    # In movies.text.search_key form (case and accents folded), written with the titles through
    # Movie.normalized_titles: the title (exact and prefix matches), and the title with, when it differs, the
    # original title (word matches; a trigram GIN index on PostgreSQL, made in migration 0003 and not declared
    # here because SQLite cannot build one).
    title_normalized = models.CharField(max_length=255, blank=True, editable=False)
    titles_normalized = models.TextField(blank=True, editable=False)
    overview = models.TextField(blank=True)
    release_date = models.DateField(null=True, blank=True)
    runtime = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Minutes.")
    popularity = models.FloatField(default=0)
    vote_average = models.FloatField(default=0)
    vote_count = models.PositiveIntegerField(default=0)
    original_language = models.CharField(max_length=8, blank=True)
    adult = models.BooleanField(default=False)
    poster_path = models.CharField(max_length=255, blank=True)
    backdrop_path = models.CharField(max_length=255, blank=True)
    director = models.CharField(max_length=255, blank=True)
    writer = models.CharField(max_length=255, blank=True)
    cast = models.JSONField(default=list, blank=True, help_text="Top-billed cast names, in billing order.")
    keywords = models.JSONField(default=list, blank=True)
    genres = models.ManyToManyField(Genre, related_name="movies", blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.TMDB)
    synced_at = models.DateTimeField(null=True, blank=True, help_text="Last upsert from TMDb.")
    details_synced_at = models.DateTimeField(
        null=True, blank=True, help_text="Last time credits and keywords were fetched from TMDb."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-popularity", "tmdb_id"]
        indexes = [
            models.Index(fields=["-popularity", "tmdb_id"], name="movie_popularity_idx"),
            models.Index(fields=["-vote_average", "-vote_count"], name="movie_rating_idx"),
            models.Index(fields=["-release_date"], name="movie_release_idx"),
            models.Index(fields=["title"], name="movie_title_idx"),
            # Exact and prefix matches of search (pattern ops: LIKE 'x%' can use it on PostgreSQL).
            models.Index(fields=["title_normalized"], name="movie_title_norm_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["details_synced_at"], name="movie_details_synced_idx"),
        ]

    def __str__(self) -> str:
        year = f" ({self.release_date.year})" if self.release_date else ""
        return f"{self.title}{year}"

    @staticmethod
    def normalized_titles(*, title: str, original_title: str = "") -> dict[str, str]:
        """The normalised title columns for these titles: every writer of a title stores them with it."""
        title_key, original_key = search_key(title or "")[:255], search_key(original_title or "")[:255]
        both = f"{title_key} / {original_key}" if original_key and original_key != title_key else title_key
        return {"title_normalized": title_key, "titles_normalized": both}


class MovieListEntry(models.Model):
    """Which movie sits at which rank of which TMDb list, as of `synced_at`."""

    class Category(models.TextChoices):
        POPULAR = "popular", "Popular"
        TOP_RATED = "top_rated", "Top rated"
        NOW_PLAYING = "now_playing", "Now playing"
        UPCOMING = "upcoming", "Upcoming"
        TRENDING_DAY = "trending_day", "Trending today"
        TRENDING_WEEK = "trending_week", "Trending this week"

    category = models.CharField(max_length=16, choices=Category.choices)
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="list_entries")
    rank = models.PositiveIntegerField()
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["category", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["category", "rank"], name="movielistentry_category_rank_unique"),
            models.UniqueConstraint(fields=["category", "movie"], name="movielistentry_category_movie_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.category} #{self.rank}: {self.movie_id}"


class TmdbState(models.Model):
    """Small facts the mirror keeps about TMDb itself: the /configuration answer, sync checkpoints."""

    key = models.CharField(max_length=64, unique=True)
    value = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "TMDb state"
        verbose_name_plural = "TMDb state"

    def __str__(self) -> str:
        return self.key
