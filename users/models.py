"""Accounts and what a user tells us about their taste: favorites, interactions and preferences."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


def email_normalize(email: str) -> str:
    # Email is the login and unique regardless of case: store and look up one spelling.
    return email.strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username: str):
        # Email is the login and is unique regardless of case.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    # Bumped by every write that changes the user's taste; part of every per-user recommendation cache key.
    taste_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="users_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_adult(self) -> bool:
        """Shown to be 18 or over by a date of birth; without one, not."""
        if self.date_of_birth is None:
            return False
        today = timezone.localdate()
        age = (
            today.year
            - self.date_of_birth.year
            - ((today.month, today.day) < (self.date_of_birth.month, self.date_of_birth.day))
        )
        return age >= 18


class Favorite(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="favorites")
    movie = models.ForeignKey("movies.Movie", on_delete=models.CASCADE, related_name="favorited_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "movie"], name="favorite_user_movie_unique"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="favorite_user_created_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.movie_id}"


class Interaction(models.Model):
    class Type(models.TextChoices):
        LIKED = "liked", "Liked"
        DISLIKED = "disliked", "Disliked"
        WATCHLIST = "watchlist", "Watchlist"
        WATCHED = "watched", "Watched"
        RATED = "rated", "Rated"
        # Hides the movie from the user's recommendation lists; not a dislike (says nothing about taste).
        NOT_INTERESTED = "not_interested", "Not interested"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="interactions")
    movie = models.ForeignKey("movies.Movie", on_delete=models.CASCADE, related_name="interactions")
    type = models.CharField(max_length=16, choices=Type.choices)
    rating = models.DecimalField(max_digits=2, decimal_places=1, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "movie", "type"], name="interaction_user_movie_type_unique"),
            # A rating exactly when the type is "rated", between 0.5 and 5.
            models.CheckConstraint(
                condition=(
                    models.Q(type="rated", rating__gte=Decimal("0.5"), rating__lte=Decimal("5.0"))
                    | (~models.Q(type="rated") & models.Q(rating__isnull=True))
                ),
                name="interaction_rating_iff_rated",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "type", "-updated_at"], name="interaction_user_type_idx"),
            models.Index(fields=["movie", "type"], name="interaction_movie_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.type} {self.movie_id}"


class Preference(models.Model):
    """Saved preferences: genres (TMDb genre ids), people (names) and movies (TMDb ids)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="preference")
    genres = models.JSONField(default=list, blank=True)
    people = models.JSONField(default=list, blank=True)
    movies = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


class TokenFamily(models.Model):
    """One login's chain of refresh tokens, carried as the `fam` claim through every rotation.

    `latest` is the one refresh token of the family that may still be used; presenting an older (rotated) one
    again is a reuse, and revokes the family (`revoked_at`). The family lives as long as its latest token: the
    daily flush of expired tokens deletes both.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="token_families")
    latest = models.OneToOneField("token_blacklist.OutstandingToken", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "token families"

    def __str__(self) -> str:
        return f"token family {self.id} of {self.user_id}"


class Play(models.Model):
    """One viewing of a movie: plays may repeat (a re-watch is a second play), and each marks the movie watched."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Logged through the API"
        IMPORT = "import", "Imported from a Letterboxd diary"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="plays")
    movie = models.ForeignKey("movies.Movie", on_delete=models.CASCADE, related_name="plays")
    watched_at = models.DateTimeField(default=timezone.now)
    # Letterboxd's diary says when an entry was a re-watch even when the earlier viewing was never logged.
    rewatch = models.BooleanField(default=False, help_text="The source marked this play a re-watch.")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-watched_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-watched_at"], name="play_user_watched_idx"),
            models.Index(fields=["user", "movie", "watched_at"], name="play_user_movie_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ▶ {self.movie_id} at {self.watched_at:%Y-%m-%d}"


class Import(models.Model):
    """An uploaded Letterboxd or IMDb export and how its import went (progress saved batch by batch)."""

    class Format(models.TextChoices):
        LETTERBOXD = "letterboxd", "Letterboxd export (zip or one of its CSVs)"
        IMDB = "imdb", "IMDb ratings or watchlist CSV"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="imports")
    format = models.CharField(max_length=16, choices=Format.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    filename = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0, help_text="Bytes uploaded.")
    # The uploaded bytes are kept in the row: the worker that runs the import may be on another machine, and
    # the database is the one store every process already shares (a file on local disk would not be there, and
    # a shared object store is one more thing to run). Bounded by IMPORT_MAX_BYTES; emptied when the import ends.
    data = models.BinaryField(editable=False, default=bytes)
    # What the upload check found: [{"name", "kind", "encoding"}], one per CSV read, in the order imported.
    parts = models.JSONField(default=list, blank=True)
    rows = models.PositiveIntegerField(default=0, help_text="Rows processed so far.")
    matched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0, help_text="Matched rows that wrote something new.")
    updated = models.PositiveIntegerField(default=0, help_text="Matched rows that changed a rating.")
    unchanged = models.PositiveIntegerField(default=0, help_text="Matched rows already recorded.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="import_user_created_idx")]

    def __str__(self) -> str:
        return f"{self.format} import {self.pk} of {self.user_id}: {self.status}"


class ImportUnmatched(models.Model):
    """A row of an import that wrote nothing, and why (not in the catalog, not a movie, no rating...)."""

    job = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="unmatched_rows")
    file = models.CharField(max_length=64, help_text="The CSV the row is in, e.g. ratings.csv.")
    row = models.PositiveIntegerField(help_text="Row number in that file, the header being row 1.")
    title = models.CharField(max_length=500, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.file}:{self.row} {self.reason}"
