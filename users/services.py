"""Writes for accounts and taste: registration, login and tokens, profile, favorites, interactions, preferences.

Every write that changes what a user likes ends in `user_taste_changed`, which bumps `User.taste_version`
in the same transaction; per-user recommendation caches are keyed on that version.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import BlacklistMixin, RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from movie_backend.exceptions import ApplicationError, Conflict, NotFound
from movies.models import Genre, Movie
from movies.selectors import movies_visible_to
from movies.services import MovieNotFound, movie_get_or_fetch
from users import lockout
from users.authentication import FAMILY_CLAIM, token_family_revoked_key
from users.models import Favorite, Interaction, Preference, TokenFamily, User, email_normalize

# --- Typed errors -------------------------------------------------------------------------------------


class EmailTaken(Conflict):
    code = "email_taken"
    message = "An account with this email already exists."


class InvalidCredentials(exceptions.AuthenticationFailed):
    # One message for an unknown email, a wrong password and an inactive account: nothing is revealed.
    default_detail = "No active account found with the given credentials."
    default_code = "invalid_credentials"


class AccountLocked(exceptions.APIException):
    """A login refused by the lockout rules (users.lockout); `retry_after` seconds go in Retry-After."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many failed login attempts. Try again later."
    default_code = "account_locked"

    def __init__(self, retry_after: int):
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(f"Too many failed login attempts. Try again in {minutes} minute(s).")
        self.retry_after = retry_after


class CurrentPasswordIncorrect(exceptions.ValidationError):
    """A wrong current password on a password change: a failed password check, like a failed login."""

    def __init__(self):
        super().__init__({"current_password": ["The current password is incorrect."]})


class FavoriteNotFound(NotFound):
    message = "Favorite not found."


class InteractionNotFound(NotFound):
    message = "Interaction not found."


# --- Taste version ------------------------------------------------------------------------------------


def user_taste_changed(*, user: User) -> int:
    """Bump the user's taste version atomically (F expression) and return the new value.

    Call it inside the transaction of the write that changed the taste, so the new version and the new rows
    become visible together.
    """
    User.objects.filter(pk=user.pk).update(taste_version=F("taste_version") + 1)
    user.refresh_from_db(fields=["taste_version"])
    return user.taste_version


# --- Accounts -----------------------------------------------------------------------------------------


def user_register(*, email: str, password: str, name: str, date_of_birth: date | None = None) -> User:
    """Create an account. Raises EmailTaken (409) when the email exists in any case, ValidationError for
    a password Django's validators refuse."""
    email = email_normalize(email)
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken()
    user = User(email=email, name=name, date_of_birth=date_of_birth)
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise exceptions.ValidationError({"password": list(exc.messages)}) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two registrations of one email at once: the database's case-insensitive unique index decides.
        raise EmailTaken() from None
    return user


class _RotatingRefreshToken(RefreshToken):
    """A refresh token read for rotation: signature, expiry and type are checked as usual, the blacklist is
    not, because token_refresh looks it up itself under the family's lock, so that a reuse can be answered by
    revoking the family."""

    def check_blacklist(self) -> None:
        return None


def _token_pair_issue(*, user: User, family_id: uuid.UUID) -> tuple[dict[str, str], OutstandingToken]:
    """A new refresh token of the family (recorded as outstanding, so it can be revoked) and its access token,
    which carries the family claim too."""
    # Token.for_user, without BlacklistMixin's insert: the outstanding row is made here so it can be returned.
    refresh = super(BlacklistMixin, RefreshToken).for_user(user)
    refresh[FAMILY_CLAIM] = str(family_id)
    outstanding = OutstandingToken.objects.create(
        user=user,
        jti=refresh[jwt_settings.JTI_CLAIM],
        token=str(refresh),
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    return {"access": str(refresh.access_token), "refresh": str(refresh)}, outstanding


def token_pair_for(*, user: User) -> dict[str, str]:
    """A new login: a new token family and its first token pair."""
    family_id = uuid.uuid4()
    with transaction.atomic():
        tokens, outstanding = _token_pair_issue(user=user, family_id=family_id)
        TokenFamily.objects.create(id=family_id, user=user, latest=outstanding)
    return tokens


def user_login(*, request: HttpRequest, email: str, password: str) -> dict[str, str]:
    """Check the credentials through Django's authenticate (django-axes applies the lockout rules of
    users.lockout) and answer a token pair. `request` must be the Django HttpRequest, not DRF's wrapper: axes
    flags the lockout on it."""
    email = email_normalize(email)
    user = authenticate(request=request, email=email, password=password)
    if getattr(request, "axes_locked_out", False):
        # Our envelope answers instead of axes' own lockout page: consume the flag its middleware reads.
        request.axes_locked_out = False
        raise AccountLocked(retry_after=lockout.retry_after(request))
    if user is None:
        raise InvalidCredentials()
    # What django.contrib.auth.login() would send, without a session: it updates last_login and lets axes
    # reset the failure count (AXES_RESET_ON_SUCCESS) and record the address (its access log).
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return token_pair_for(user=user)


def _access_tokens_refuse(family_ids) -> None:
    """Refuse the access tokens of these token families (users.authentication) for one access-token lifetime,
    after which they have expired anyway. Done at once rather than on commit: refusing them is right even if
    the revoking transaction failed afterwards."""
    lifetime = int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds())
    cache.set_many({token_family_revoked_key(family_id): True for family_id in family_ids}, timeout=lifetime)


def token_family_revoke(*, family: TokenFamily) -> None:
    """End a login: blacklist its latest refresh token (the older ones were blacklisted as they rotated) and
    refuse its access tokens. Call it inside the transaction holding the family's lock."""
    BlacklistedToken.objects.get_or_create(token_id=family.latest_id)
    if family.revoked_at is None:
        family.revoked_at = timezone.now()
        family.save(update_fields=["revoked_at"])
    _access_tokens_refuse([family.pk])


def token_refresh(*, refresh: str) -> dict[str, str]:
    """Rotate a refresh token: the given one is blacklisted and a new pair of the same family is issued.

    A refresh token works once. Presenting a rotated (or logged-out) one again is a reuse (RFC 9700, 4.14.2):
    it raises InvalidToken (401) and revokes its whole family, so whoever holds the latest token of that login,
    thief or owner, is logged out too; other logins of the user are untouched. The family's row lock orders
    concurrent uses of one token: one gets the new pair, the others are reuses.
    """
    try:
        token = _RotatingRefreshToken(refresh)
    except TokenError as exc:
        raise InvalidToken(str(exc)) from None
    user = User.objects.filter(pk=token.get(jwt_settings.USER_ID_CLAIM), is_active=True).first()
    if user is None:
        raise InvalidToken("No active account found for the given token.")
    family_id = _family_id(token)
    with transaction.atomic():
        family = None
        if family_id is not None:
            family = TokenFamily.objects.select_for_update().filter(pk=family_id, user=user).first()
        _, rotated_now = token.blacklist()
        refused = not rotated_now or (family_id is not None and (family is None or family.revoked_at is not None))
        if refused:
            if family is not None:
                token_family_revoke(family=family)
        elif family is None:  # a token from before families: it starts one
            tokens = token_pair_for(user=user)
        else:
            tokens, family.latest = _token_pair_issue(user=user, family_id=family.pk)
            family.save(update_fields=["latest"])
    if refused:
        raise InvalidToken("Token is blacklisted")
    return tokens


def _family_id(token: RefreshToken) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(token[FAMILY_CLAIM]))
    except (KeyError, ValueError):
        return None


def token_blacklist(*, user: User, refresh: str) -> None:
    """Log out: blacklist the caller's refresh token. Someone else's token is refused like a bad one."""
    try:
        token = RefreshToken(refresh)
    except TokenError:
        token = None
    if token is None or str(token.get(jwt_settings.USER_ID_CLAIM)) != str(user.pk):
        raise exceptions.ValidationError({"refresh": ["Token is invalid, expired or already revoked."]})
    token.blacklist()


def tokens_revoke_all(*, user: User) -> int:
    """End every login of the user: blacklist every outstanding refresh token and refuse the access tokens of
    every token family. Returns how many refresh tokens were newly blacklisted."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    rows = [BlacklistedToken(token=token) for token in outstanding]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    families = TokenFamily.objects.filter(user=user, revoked_at__isnull=True)
    family_ids = list(families.values_list("pk", flat=True))
    TokenFamily.objects.filter(pk__in=family_ids).update(revoked_at=timezone.now())
    _access_tokens_refuse(family_ids)
    return len(rows)


def tokens_flush_expired() -> int:
    """Delete expired outstanding tokens (their blacklist rows go with them); returns how many tokens."""
    _, per_model = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return per_model.get(OutstandingToken._meta.label, 0)


def user_change_password(*, user: User, current_password: str, new_password: str) -> dict[str, str]:
    """Change the password, end every login of the user (tokens_revoke_all) and answer a fresh pair (a new
    login) for this client."""
    if not user.check_password(current_password):
        raise CurrentPasswordIncorrect()
    try:
        validate_password(new_password, user=user)
    except DjangoValidationError as exc:
        raise exceptions.ValidationError({"new_password": list(exc.messages)}) from None
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password", "updated_at"])
        tokens_revoke_all(user=user)
    return token_pair_for(user=user)


_PROFILE_FIELDS = ("name", "date_of_birth")


def user_update_profile(*, user: User, data: dict) -> User:
    """Update the writable profile fields (name, date_of_birth); anything else in `data` is ignored.

    A new date of birth can change which titles the user may see, so it counts as a taste change.
    """
    changed = [field for field in _PROFILE_FIELDS if field in data and getattr(user, field) != data[field]]
    if not changed:
        return user
    with transaction.atomic():
        for field in changed:
            setattr(user, field, data[field])
        user.save(update_fields=[*changed, "updated_at"])
        if "date_of_birth" in changed:
            user_taste_changed(user=user)
    return user


# --- Favorites and interactions -------------------------------------------------------------------------


def movie_visible_get_or_fetch(*, user: User, tmdb_id: int) -> Movie:
    """The movie, fetched through the catalog when not yet mirrored; one the user may not see is a 404 too.

    May call TMDb: call it before opening a transaction. Raises MovieNotFound, or ServiceUnavailable when
    TMDb is down and the movie is not mirrored.
    """
    movie = movie_get_or_fetch(tmdb_id=tmdb_id)
    if movie.adult and not movies_visible_to(user=user).filter(pk=movie.pk).exists():
        raise MovieNotFound()
    return movie


def favorite_add(*, user: User, tmdb_id: int) -> tuple[Favorite, bool]:
    """Add a favorite; adding it again is not an error and never a second row. Returns (favorite, created)."""
    movie = movie_visible_get_or_fetch(user=user, tmdb_id=tmdb_id)
    with transaction.atomic():
        # get_or_create retries the read when a concurrent insert wins the unique (user, movie) constraint.
        favorite, created = Favorite.objects.get_or_create(user=user, movie=movie)
        if created:
            user_taste_changed(user=user)
    return favorite, created


def favorite_remove(*, user: User, tmdb_id: int) -> None:
    with transaction.atomic():
        deleted, _ = Favorite.objects.filter(user=user, movie__tmdb_id=tmdb_id).delete()
        if not deleted:
            raise FavoriteNotFound()
        user_taste_changed(user=user)


RATING_STEP = Decimal("0.5")
RATING_MIN = Decimal("0.5")
RATING_MAX = Decimal("5")
# Liking a movie withdraws a dislike of it and the other way round: one opinion per movie.
_OPPOSITE = {Interaction.Type.LIKED: Interaction.Type.DISLIKED, Interaction.Type.DISLIKED: Interaction.Type.LIKED}


def rating_errors(*, type: str, rating: Decimal | None) -> list[str]:
    """Why this rating is wrong for this interaction type (empty when it is right)."""
    if type == Interaction.Type.RATED:
        if rating is None:
            return ["A rating is required when type is rated."]
        if not (RATING_MIN <= rating <= RATING_MAX) or rating % RATING_STEP != 0:
            return ["Rating must be between 0.5 and 5 in steps of 0.5."]
        return []
    if rating is not None:
        return ["A rating is only allowed when type is rated."]
    return []


def interaction_record(
    *, user: User, tmdb_id: int, type: str, rating: Decimal | None = None
) -> tuple[Interaction, bool]:
    """Record an interaction: one current row per (user, movie, type), updated in place (updated_at moves).

    Returns (interaction, created).
    """
    if type not in Interaction.Type.values:
        raise exceptions.ValidationError({"type": [f'"{type}" is not a valid choice.']})
    errors = rating_errors(type=type, rating=rating)
    if errors:
        raise exceptions.ValidationError({"rating": errors})
    movie = movie_visible_get_or_fetch(user=user, tmdb_id=tmdb_id)
    with transaction.atomic():
        interaction, created = Interaction.objects.update_or_create(
            user=user, movie=movie, type=type, defaults={"rating": rating}
        )
        opposite = _OPPOSITE.get(type)
        if opposite:
            Interaction.objects.filter(user=user, movie=movie, type=opposite).delete()
        user_taste_changed(user=user)
    return interaction, created


def interaction_delete(*, user: User, interaction_id: int) -> None:
    with transaction.atomic():
        deleted, _ = Interaction.objects.filter(user=user, pk=interaction_id).delete()
        if not deleted:
            raise InteractionNotFound()
        user_taste_changed(user=user)


@dataclass(frozen=True)
class InteractionWrite:
    movie_id: int  # a Movie pk the user may see (resolved by the caller)
    type: str
    rating: Decimal | None = None


WRITE_CREATED, WRITE_UPDATED, WRITE_UNCHANGED = "created", "updated", "unchanged"


def interactions_write_bulk(*, user: User, writes: list[InteractionWrite]) -> list[str]:
    """Record many interactions under interaction_record's rules (one row per movie and type, ratings checked,
    liked and disliked exclusive) in a few statements; answers each write's outcome, in order.

    Writes apply in order (a later one for the same movie and type wins); a row already as asked is left
    untouched. Call it inside the caller's transaction; the caller bumps the taste version once
    (`user_taste_changed`) when any outcome is not "unchanged".
    """
    for write in writes:
        if write.type not in Interaction.Type.values:
            raise ApplicationError(f'"{write.type}" is not a valid interaction type.', errors={"type": ["Invalid."]})
        errors = rating_errors(type=write.type, rating=write.rating)
        if errors:
            raise ApplicationError(errors[0], errors={"rating": errors})
    existing = {
        (movie_id, type): (pk, rating)
        for pk, movie_id, type, rating in Interaction.objects.filter(
            user=user, movie_id__in={write.movie_id for write in writes}
        ).values_list("pk", "movie_id", "type", "rating")
    }
    state = {key: rating for key, (_pk, rating) in existing.items()}
    outcomes = []
    for write in writes:
        key = (write.movie_id, write.type)
        outcomes.append(
            WRITE_CREATED if key not in state else WRITE_UNCHANGED if state[key] == write.rating else WRITE_UPDATED
        )
        state[key] = write.rating
        opposite = _OPPOSITE.get(write.type)
        if opposite:
            state.pop((write.movie_id, opposite), None)
    now = timezone.now()
    stale = [pk for key, (pk, _rating) in existing.items() if key not in state]
    if stale:
        Interaction.objects.filter(pk__in=stale).delete()
    # ignore_conflicts: a row the user records through the API meanwhile wins over the import's copy.
    Interaction.objects.bulk_create(
        [Interaction(user=user, movie_id=m, type=t, rating=r) for (m, t), r in state.items() if (m, t) not in existing],
        batch_size=500,
        ignore_conflicts=True,
    )
    changed = [
        Interaction(pk=existing[key][0], rating=rating, updated_at=now)
        for key, rating in state.items()
        if key in existing and existing[key][1] != rating
    ]
    Interaction.objects.bulk_update(changed, ["rating", "updated_at"], batch_size=500)
    return outcomes


# --- Preferences --------------------------------------------------------------------------------------


def _unique(values: Iterable) -> list:
    return list(dict.fromkeys(values))


def preference_update(
    *,
    user: User,
    genres: list[int] | None = None,
    people: list[str] | None = None,
    movies: list[int] | None = None,
) -> Preference:
    """Replace the given lists (None leaves a list unchanged). Genres must be in the genre table; movies are
    resolved through the catalog (fetched when not yet mirrored). Unknown ids are a 400 naming them."""
    errors: dict[str, list[str]] = {}
    if genres is not None:
        genres = _unique(genres)
        known = set(Genre.objects.filter(tmdb_id__in=genres).values_list("tmdb_id", flat=True))
        unknown = [genre for genre in genres if genre not in known]
        if unknown:
            errors["genres"] = [f"Unknown genre id(s): {', '.join(map(str, unknown))}."]
    if people is not None:
        people = _unique(name.strip() for name in people if name.strip())
    if movies is not None:
        movies = _unique(movies)
        unknown = []
        for tmdb_id in movies:  # network calls (at most the list cap), before any transaction
            try:
                movie_visible_get_or_fetch(user=user, tmdb_id=tmdb_id)
            except MovieNotFound:
                unknown.append(tmdb_id)
        if unknown:
            errors["movies"] = [f"Unknown movie id(s): {', '.join(map(str, unknown))}."]
    if errors:
        raise exceptions.ValidationError(errors)

    with transaction.atomic():
        preference, _ = Preference.objects.select_for_update().get_or_create(user=user)
        changed = False
        for field, value in (("genres", genres), ("people", people), ("movies", movies)):
            if value is not None and getattr(preference, field) != value:
                setattr(preference, field, value)
                changed = True
        if changed:
            preference.save()
            user_taste_changed(user=user)
    return preference
