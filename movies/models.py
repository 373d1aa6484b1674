"""The TMDb mirror as a graph: genres, movies, list memberships, and around each movie its people (credits),
keywords, collection, videos and where to watch it, so every page is answered from the database.

People, credits, keywords, collections, watch providers and availability are rows with their TMDb ids: the
later discover query filters movies by them (indexes: person -> movies, keyword -> movies, provider + region
-> movies). A movie's `director`, `writer`, `cast` and `keywords` columns are derived from those rows by
`movies.graph.movie_names_derive` (the only writer of them), for the readers that want names in bulk (the
natural-language index, analytics); the rows are the source of truth.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from movies.text import search_key


def normalized_name(name: str) -> str:
    """A person's or a collection's name as search stores it; every bulk writer of a name stores this with it
    (`save()` does it for single rows)."""
    return search_key(name or "")[:255]


class Genre(models.Model):
    tmdb_id = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Collection(models.Model):
    """A TMDb collection (a franchise): `belongs_to_collection` of its movies, `/collection/{id}` for the rest."""

    tmdb_id = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=255)
    # The name in movies.text.search_key form, written with it (see `normalized_name`): search's column.
    name_normalized = models.CharField(max_length=255, blank=True, editable=False)
    overview = models.TextField(blank=True)
    poster_path = models.CharField(max_length=255, blank=True)
    backdrop_path = models.CharField(max_length=255, blank=True)
    parts_synced_at = models.DateTimeField(
        null=True, blank=True, help_text="Last time the collection and its parts were fetched from TMDb."
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["name_normalized"], name="collection_name_norm_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_normalized = normalized_name(self.name)
        super().save(*args, **kwargs)


class Keyword(models.Model):
    """A TMDb keyword. `local_id` (see movies/local_ids.py) names one an old mirror knew by name only; a sync
    that meets the same name with a TMDb id takes the row over."""

    tmdb_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    local_id = models.BigIntegerField(null=True, blank=True, unique=True)
    name = models.CharField(max_length=255)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="keyword_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(tmdb_id__isnull=False) | Q(local_id__isnull=False), name="keyword_has_an_id"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def public_id(self) -> int:
        return self.tmdb_id if self.tmdb_id is not None else self.local_id


class Movie(models.Model):
    """A film of the mirror.

    `videos` is JSON on the movie rather than rows: nothing filters, joins or counts across videos, they are
    only ever read whole with their movie (details), so a table would cost a query per page and buy no index.
    Stored in display order (official trailers first), each `{"key", "site", "type", "name", "official",
    "published_at"}`.
    """

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
    revenue = models.BigIntegerField(null=True, blank=True, help_text="US dollars, as TMDb has it.")
    # Derived from the credit and keyword rows (movies.graph.movie_names_derive); never written elsewhere.
    director = models.CharField(max_length=255, blank=True, help_text="Derived: the directors' names.")
    writer = models.CharField(max_length=255, blank=True, help_text="Derived: the writers' names.")
    cast = models.JSONField(default=list, blank=True, help_text="Derived: cast names, in billing order.")
    keywords = models.JSONField(default=list, blank=True, help_text="Derived: keyword names.")
    genres = models.ManyToManyField(Genre, related_name="movies", blank=True)
    keyword_list = models.ManyToManyField(Keyword, through="MovieKeyword", related_name="movies", blank=True)
    collection = models.ForeignKey(Collection, null=True, blank=True, on_delete=models.SET_NULL, related_name="parts")
    videos = models.JSONField(default=list, blank=True, help_text="TMDb's videos, official trailers first.")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.TMDB)
    synced_at = models.DateTimeField(null=True, blank=True, help_text="Last upsert from TMDb.")
    details_synced_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last time details (credits, keywords, videos, watch providers) were fetched from TMDb.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-popularity", "tmdb_id"]
        indexes = [
            models.Index(fields=["-popularity", "tmdb_id"], name="movie_popularity_idx"),
            models.Index(fields=["-vote_average", "-vote_count"], name="movie_rating_idx"),
            models.Index(fields=["-release_date"], name="movie_release_idx"),
            # Discover's sorts, each exactly as movies.discover orders (then tmdb_id): a filtered page walks the
            # index and stops at its last row instead of sorting every match (at 100k movies a seq scan and a
            # top-N sort of 5,000 matches took 77 ms, the index 3.4 ms). The nullable columns' indexes (NULLS
            # LAST, which SQLite's indexes cannot say) are made on PostgreSQL by migration 0008.
            models.Index(fields=["-vote_count", "tmdb_id"], name="movie_votes_desc_idx"),
            models.Index(fields=["-vote_average", "tmdb_id"], name="movie_rating_desc_idx"),
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


class MovieKeyword(models.Model):
    """A keyword of a movie, in TMDb's order."""

    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="keyword_links")
    keyword = models.ForeignKey(Keyword, on_delete=models.CASCADE, related_name="movie_links")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["movie", "order"]
        constraints = [models.UniqueConstraint(fields=["movie", "keyword"], name="moviekeyword_unique")]
        # keyword -> movies for discover's with_keywords (movie -> keywords is the unique constraint's index).
        indexes = [models.Index(fields=["keyword", "movie"], name="moviekeyword_keyword_idx")]

    def __str__(self) -> str:
        return f"{self.movie_id}: {self.keyword_id}"


class Person(models.Model):
    """Someone credited on a movie.

    The public id (`person_id` in the API) is `tmdb_id` when TMDb knows the person, else `local_id`: a bundled
    film's director, writer or cast member known by name only gets an id of our own >= 2**52, derived from the
    name (movies/local_ids.py). When a sync meets that person by TMDb id on a movie they are credited on, the
    same row is taken over: it gets the `tmdb_id` (its credits on other films follow) and keeps `local_id`,
    so the local id answers a permanent redirect to the TMDb id.
    """

    tmdb_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    local_id = models.BigIntegerField(null=True, blank=True, unique=True)
    name = models.CharField(max_length=255)
    # The name in movies.text.search_key form (see `normalized_name`): exact, prefix and word matches of
    # search (a trigram GIN index on PostgreSQL, made in migration 0007 and not declared here).
    name_normalized = models.CharField(max_length=255, blank=True, editable=False)
    profile_path = models.CharField(max_length=255, blank=True)
    known_for_department = models.CharField(max_length=64, blank=True)
    biography = models.TextField(blank=True)
    birthday = models.DateField(null=True, blank=True)
    deathday = models.DateField(null=True, blank=True)
    place_of_birth = models.CharField(max_length=255, blank=True)
    popularity = models.FloatField(default=0)
    adult = models.BooleanField(default=False)
    details_synced_at = models.DateTimeField(
        null=True, blank=True, help_text="Last time /person/{id} (with movie_credits) was fetched from TMDb."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["name"], name="person_name_idx"),
            models.Index(fields=["name_normalized"], name="person_name_norm_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(tmdb_id__isnull=False) | Q(local_id__isnull=False), name="person_has_an_id"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_normalized = normalized_name(self.name)
        super().save(*args, **kwargs)

    @property
    def public_id(self) -> int:
        return self.tmdb_id if self.tmdb_id is not None else self.local_id


class Credit(models.Model):
    """One person on one movie: a cast part (character, billing order) or a crew job (job, department).

    Every credit TMDb lists is kept (cast and crew), so a person's page and discover's with_crew see all of
    them. `credit_id` is TMDb's (unique where present; the same credit arrives from the movie and from the
    person); bundled-catalog credits have none.
    """

    class Kind(models.TextChoices):
        CAST = "cast", "Cast"
        CREW = "crew", "Crew"

    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credits")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    character = models.CharField(max_length=500, blank=True)
    job = models.CharField(max_length=64, blank=True)
    department = models.CharField(max_length=64, blank=True)
    order = models.PositiveIntegerField(default=0, help_text="Billing order (cast) or TMDb's list order (crew).")
    credit_id = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["movie", "kind", "order"]
        indexes = [
            models.Index(fields=["movie", "kind", "order"], name="credit_movie_idx"),
            # person -> movies: a filmography, and discover's with_people / with_cast / with_crew.
            models.Index(fields=["person", "kind", "movie"], name="credit_person_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["credit_id"], condition=~Q(credit_id=""), name="credit_tmdb_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.movie_id} ({self.job or self.character or self.kind})"


class WatchProvider(models.Model):
    """A streaming, rental or retail service, as TMDb's watch providers (JustWatch data) name it."""

    tmdb_id = models.PositiveIntegerField(unique=True, help_text="TMDb's provider_id.")
    name = models.CharField(max_length=128)
    logo_path = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AvailabilityKind(models.TextChoices):
    FLATRATE = "flatrate", "Subscription"
    RENT = "rent", "Rent"
    BUY = "buy", "Buy"
    FREE = "free", "Free"
    ADS = "ads", "With ads"


class MovieAvailability(models.Model):
    """Where a movie can be watched in one region (ISO 3166-1), and how: rows, so discover can filter by
    `with_watch_providers` + `watch_region` with an index instead of reading every movie's JSON."""

    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="availability")
    provider = models.ForeignKey(WatchProvider, on_delete=models.CASCADE, related_name="availability")
    region = models.CharField(max_length=2)
    kind = models.CharField(max_length=8, choices=AvailabilityKind.choices)
    display_priority = models.PositiveIntegerField(default=0, help_text="TMDb's order within the region.")

    class Meta:
        verbose_name_plural = "movie availability"
        constraints = [
            models.UniqueConstraint(fields=["movie", "region", "kind", "provider"], name="movieavailability_unique")
        ]
        indexes = [
            # provider + region -> movies (discover); region -> providers (the providers list).
            models.Index(fields=["provider", "region", "movie"], name="availability_provider_idx"),
            models.Index(fields=["region", "provider"], name="availability_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.movie_id} {self.region} {self.kind}: {self.provider_id}"


class MovieWatchRegion(models.Model):
    """TMDb's watch page for a movie in one region (the `link` of its watch providers there)."""

    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="watch_regions")
    region = models.CharField(max_length=2)
    link = models.URLField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["movie", "region"], name="moviewatchregion_unique")]

    def __str__(self) -> str:
        return f"{self.movie_id} {self.region}"
