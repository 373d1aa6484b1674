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
