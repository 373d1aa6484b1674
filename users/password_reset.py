"""The request side of a password reset: queue the mail, whoever the address belongs to.

Nothing here looks the address up: the worker does (users.account.password_reset_mail), so the answer is the
same 202, in the same time, for an address with an account and one without (with Celery eager, as in local
development, the mail is sent in-process and that guarantee is off).
"""

from __future__ import annotations

from django.db import transaction

from users.services import email_normalize
from users.tasks import send_password_reset


def password_reset_request(*, email: str) -> None:
    email = email_normalize(email)
    transaction.on_commit(lambda: send_password_reset.delay(email))
