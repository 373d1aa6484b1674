"""An account's life cycle: the password reset mail and its confirmation, and deleting the account.

The reset uses Django's machinery: `default_token_generator` (its tokens hash the password and the last login,
so a token works once and dies with any password change), the base64 user id Django's own views use, and
Django's email settings. The request side (users.password_reset) only queues the mail, so the answer cannot
tell whether an address has an account; the mail is looked up and sent here, in the worker.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from movie_backend.exceptions import ApplicationError
from recommendations.models import RecommendationLog
from users.models import User
from users.services import email_normalize, tokens_revoke_all

logger = logging.getLogger(__name__)

RESET_SUBJECT = "Reset your password"
_INVALID_LINK = "The reset link is invalid or has expired: ask for a new one."


def _reset_body(*, user: User, uid: str, token: str) -> str:
    lines = [
        f"Hello{' ' + user.name if user.name else ''},",
        "",
        "Someone asked to reset the password of this account.",
    ]
    if settings.PASSWORD_RESET_URL:
        link = settings.PASSWORD_RESET_URL.replace("{uid}", uid).replace("{token}", token)
        lines += ["Open this link to choose a new one:", "", link, ""]
    lines += [
        "Or send these to POST /api/auth/password/reset/confirm/ with your new password:",
        f"uid: {uid}",
        f"token: {token}",
        "",
        "The link works once. If you did not ask for it, ignore this mail: your password stays as it is.",
    ]
    return "\n".join(lines)


def password_reset_mail(*, email: str) -> bool:
    """Mail a reset link to the active account with this address; answers whether one was sent."""
    user = User.objects.filter(email__iexact=email_normalize(email), is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    send_mail(RESET_SUBJECT, _reset_body(user=user, uid=uid, token=token), None, [user.email])
    return True


def _user_for_uid(uid: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def password_reset_confirm(*, uid: str, token: str, new_password: str) -> None:
    """Set the new password when uid and token are a live reset link, and log out every session: all refresh
    tokens of the account are blacklisted (as a password change does). A bad or used link is one 400 on
    `token`, whatever is wrong with it; a password Django's validators refuse is a 400 on `new_password`."""
    user = _user_for_uid(uid)
    if user is None or not default_token_generator.check_token(user, token):
        raise ApplicationError(_INVALID_LINK, errors={"token": [_INVALID_LINK]})
    try:
        validate_password(new_password, user=user)
    except DjangoValidationError as exc:
        raise ApplicationError(exc.messages[0], errors={"new_password": list(exc.messages)}) from None
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password", "updated_at"])
        tokens_revoke_all(user=user)


def account_delete(*, user: User, password: str) -> None:
    """Delete the account and every row about it, once the password is confirmed.

    Favorites, interactions, preferences, plays and imports go with the user (CASCADE); the recommendation
    log keeps anonymous rows by default (SET_NULL, for the statistics), so the user's own are deleted here.
    Refresh tokens are blacklisted first; access tokens stop working as their user is gone (simplejwt looks
    the user up on every request).
    """
    if not user.check_password(password):
        raise ApplicationError("The password is incorrect.", errors={"password": ["The password is incorrect."]})
    with transaction.atomic():
        tokens_revoke_all(user=user)
        RecommendationLog.objects.filter(user=user).delete()
        user.delete()
    logger.info("account %s deleted", user.pk)
