"""Thin Celery tasks over the users services: token clean-up, imports, password reset mails."""

from __future__ import annotations

import logging

from celery import shared_task

from users.account import password_reset_mail
from users.imports.runner import import_run
from users.services import tokens_flush_expired

logger = logging.getLogger(__name__)


@shared_task(name="users.tasks.flush_expired_tokens")
def flush_expired_tokens() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): delete expired outstanding refresh tokens and their blacklist rows."""
    deleted = tokens_flush_expired()
    logger.info("Flushed %d expired refresh tokens.", deleted)
    return deleted


@shared_task(name="users.tasks.run_import")
def run_import(import_id: int) -> dict | None:
    """Import an uploaded Letterboxd or IMDb export (queued by users.imports.services.import_create)."""
    job = import_run(import_id=import_id)
    if job is None:
        return None
    logger.info("Import %s: %d rows, %d matched, %d created.", job.pk, job.rows, job.matched, job.created)
    return {"id": job.pk, "rows": job.rows, "matched": job.matched, "created": job.created}


@shared_task(name="users.tasks.send_password_reset")
def send_password_reset(email: str) -> bool:
    """Mail a password reset link when the address has an account (queued by users.password_reset)."""
    return password_reset_mail(email=email)
