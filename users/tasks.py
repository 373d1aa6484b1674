"""Thin Celery tasks over users.services."""

from __future__ import annotations

import logging

from celery import shared_task

from users.services import tokens_flush_expired

logger = logging.getLogger(__name__)


@shared_task(name="users.tasks.flush_expired_tokens")
def flush_expired_tokens() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): delete expired outstanding refresh tokens and their blacklist rows."""
    deleted = tokens_flush_expired()
    logger.info("Flushed %d expired refresh tokens.", deleted)
    return deleted
