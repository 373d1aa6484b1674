"""What the recommenders served, to whom, from which algorithm."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from recommendations.variants import validate_variants


class RecommendationLog(models.Model):
    class Kind(models.TextChoices):
        SIMILAR = "similar", "Similar movies"
        GENRE = "genre", "Genre picks"
        PERSONALIZED = "personalized", "Personalized"
        NATURAL_LANGUAGE = "natural_language", "Natural-language request"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="recommendation_logs"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    algorithm = models.CharField(max_length=64, help_text="Algorithm or variant that produced the list.")
    source = models.CharField(max_length=16, blank=True, help_text="e.g. engine, llm, fallback.")
    query = models.TextField(blank=True, help_text="The request: a natural-language query, a movie or a genre.")
    movie_ids = models.JSONField(default=list, help_text="Served TMDb ids, in position order.")
    prompt_version = models.CharField(max_length=32, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    experiment = models.ForeignKey(
        "Experiment", null=True, blank=True, on_delete=models.SET_NULL, related_name="impressions"
    )
    variant = models.CharField(max_length=64, blank=True, help_text="Experiment variant that served the list.")
    request_id = models.CharField(max_length=64, blank=True, help_text="The request that served the list.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="reclog_user_created_idx"),
            models.Index(fields=["kind", "-created_at"], name="reclog_kind_created_idx"),
            models.Index(fields=["experiment", "created_at"], name="reclog_experiment_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.algorithm} for {self.user_id or 'anonymous'}"


class RecommendationIndex(models.Model):
    """One build of the engine's index; its per-movie rows are IndexMovie rows.

    Exactly one build is `current` (switched in one transaction when a build completes); the previous one
    serves until then. `catalog_version` records the catalog it was built from; a different current catalog
    version marks it stale. A full build computes every movie's content neighbours; an incremental one only
    those of the movies changed since the previous build (see `services.recommendation_index_build`), which
    `catalog_updated_at` lets the next build find.
    """

    class Kind(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"

    version = models.CharField(max_length=32, unique=True, help_text="Random id of this build.")
    catalog_version = models.CharField(max_length=64)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.FULL)
    catalog_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="Newest Movie.updated_at the build read: later edits are changes."
    )
    changed_movies = models.PositiveIntegerField(
        default=0, help_text="Incremental: new, edited and removed movies since the previous build."
    )
    changed_since_full = models.PositiveIntegerField(
        default=0, help_text="Movies changed over the incremental builds since the last full one, this one included."
    )
    full_built_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last full build ran (this one's, for a full build)."
    )
    movie_count = models.PositiveIntegerField(default=0)
    interaction_count = models.PositiveIntegerField(default=0)
    build_seconds = models.FloatField(default=0)
    rows_written = models.PositiveIntegerField(
        default=0,
        help_text="Movie rows the last build wrote: all of them in full, only the changed ones incrementally.",
    )
    current = models.BooleanField(default=False, help_text="The build requests read (one at a time).")
    meta = models.JSONField(default=dict, blank=True, help_text="Format, k, and the catalog's rating statistics.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "recommendation indexes"
        constraints = [
            models.UniqueConstraint(fields=["current"], condition=models.Q(current=True), name="recindex_one_current")
        ]

    def __str__(self) -> str:
        return f"index {self.version[:8]} ({self.movie_count} movies)"


class IndexMovie(models.Model):
    """One movie's part of a build: its prior and flags, and its neighbour, co-occurrence and transition lists.

    A request reads only the rows of the movies its answer needs (see `recommendations.index_rows`). Each list
    is [[TMDb ids], [scores]], best first. `people` are the director(s) and top-billed cast.
    """

    build = models.ForeignKey(RecommendationIndex, on_delete=models.CASCADE, related_name="movies")
    tmdb_id = models.IntegerField()
    prior = models.FloatField(help_text="Popularity and quality prior in [0, 1].")
    adult = models.BooleanField(default=False)
    genres = models.JSONField(default=list, help_text="TMDb genre ids.")
    people = models.JSONField(default=list)
    director = models.CharField(max_length=255, blank=True)
    content = models.JSONField(default=list, help_text="Content neighbours: [[ids], [cosines]].")
    cooc = models.JSONField(default=list, help_text="Co-occurrence neighbours: [[ids], [similarities]].")
    transitions = models.JSONField(default=list, help_text="Watched next: [[ids], [probabilities]].")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["build", "tmdb_id"], name="indexmovie_build_movie")]
        indexes = [
            # The best priors, in order, without a sort (ties by tmdb_id).
            models.Index(fields=["build", "-prior", "tmdb_id"], name="indexmovie_build_prior_idx"),
            # Scoring reads prior and flags of thousands of candidates: from the index alone, not the wide rows.
            models.Index(fields=["build", "tmdb_id", "prior", "adult"], name="indexmovie_build_scoring_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.tmdb_id} in build {self.build_id}"


class IndexPerson(models.Model):
    """A person's movies in a build, keyed the way the engine matches names (case and accents folded), so a
    saved "pedro almodovar" finds Almodóvar's films with one indexed query."""

    build = models.ForeignKey(RecommendationIndex, on_delete=models.CASCADE, related_name="people")
    key = models.CharField(max_length=255, help_text="engine.text.name_key of the name.")
    tmdb_ids = models.JSONField(default=list, help_text="The movies directed by or starring them, best prior first.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["build", "key"], name="indexperson_build_key")]

    def __str__(self) -> str:
        return f"{self.key} in build {self.build_id}"


class IndexGenre(models.Model):
    """A genre's picks in a build: its movies by the genre picks' weighting (engine.priors.genre_pick_score),
    best first, at most RECOMMENDATIONS_GENRE_LIST_SIZE. Two rows per genre: with and without adult titles, so
    a request reads one row whoever asks."""

    build = models.ForeignKey(RecommendationIndex, on_delete=models.CASCADE, related_name="genre_picks")
    genre = models.IntegerField(help_text="TMDb genre id.")
    adult = models.BooleanField(default=False, help_text="Whether the list includes adult titles.")
    tmdb_ids = models.JSONField(default=list, help_text="The genre's movies, best first.")
    scores = models.JSONField(default=list, help_text="Their scores, in the same order.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["build", "genre", "adult"], name="indexgenre_build_genre")]

    def __str__(self) -> str:
        return f"genre {self.genre} in build {self.build_id}"


class IndexArtifact(models.Model):
    """What a build keeps for the next incremental build, read by workers only, never by a request: the whole
    index's arrays (`index`) and the content features with their fitted vocabularies (`features`), as npz
    payloads split into parts (PostgreSQL keeps a value under 1 GB)."""

    build = models.ForeignKey(RecommendationIndex, on_delete=models.CASCADE, related_name="artifacts")
    name = models.CharField(max_length=32)
    part = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["build", "name", "part"], name="indexartifact_build_part")]

    def __str__(self) -> str:
        return f"{self.name}[{self.part}] of build {self.build_id}"


class Experiment(models.Model):
    """An A/B test over the personalized list: variants with weights, each naming an algorithm and its params.

    `variants` is a list of {"name", "weight", "algorithm", "params"}; the variant named "control" (else the
    first) is the baseline. Users are assigned by `recommendations.experiments.assign_variant` (sha256 of the
    experiment name and the user id), so renaming an experiment reshuffles everyone: give a new test a new name.
    It serves while `active` is on and now is within [starts_at, ends_at) (either may be empty).
    """

    class Kind(models.TextChoices):
        PERSONALIZED = "personalized", "Personalized"

    name = models.SlugField(max_length=64, unique=True, help_text="Part of the assignment hash: never reuse one.")
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSONALIZED)
    variants = models.JSONField(
        default=list,
        help_text='e.g. [{"name": "control", "weight": 50, "algorithm": "hybrid", "params": {}}, '
        '{"name": "treatment", "weight": 50, "algorithm": "hybrid", "params": {"popularity": 0.6}}]',
    )
    active = models.BooleanField(default=False)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        validate_variants(self.variants)


class EvaluationRun(models.Model):
    """One run of the offline evaluation harness (`manage.py evaluate_recommendations`)."""

    dataset = models.CharField(max_length=64, help_text="e.g. ml-latest-small.")
    seed = models.IntegerField()
    seconds = models.FloatField(default=0)
    metrics = models.JSONField(default=dict, help_text="{algorithm: {metric: value}} on the test split.")
    details = models.JSONField(default=dict, blank=True, help_text="Dataset sizes and chosen parameters.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.dataset} seed {self.seed} at {self.created_at:%Y-%m-%d %H:%M}"
