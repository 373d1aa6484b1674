"""Receiving an import: the upload is checked whole (shape, size) before anything is stored, then stored and
handed to a worker (users.tasks.run_import; in-process when Celery runs eagerly)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from movie_backend.exceptions import PayloadTooLarge
from users.imports.imdb import imdb_parts
from users.imports.letterboxd import letterboxd_parts
from users.imports.rows import ImportFileInvalid, Part, Upload
from users.models import Import, User
from users.tasks import run_import

PART_READERS = {Import.Format.LETTERBOXD: letterboxd_parts, Import.Format.IMDB: imdb_parts}


def import_file_too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB (IMPORT_MAX_BYTES)."
    )


def import_file_check(*, format: str, filename: str, data: bytes) -> list[Part]:
    """The CSVs the upload holds, each read through once: raises ImportFileInvalid (400, saying what was
    expected) for a file of the wrong shape and PayloadTooLarge (413) past IMPORT_MAX_BYTES."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise import_file_too_large()
    if not data:
        raise ImportFileInvalid("The file is empty.")
    upload = Upload(data, max_bytes=settings.IMPORT_MAX_BYTES)
    return PART_READERS[format](upload, filename=filename)


def import_create(*, user: User, format: str, filename: str, data: bytes) -> Import:
    """Check the upload, store it and queue its import; answers the pending import (already done when
    Celery runs eagerly). Nothing is stored for a file that fails the check."""
    parts = import_file_check(format=format, filename=filename, data=data)
    job = Import.objects.create(
        user=user,
        format=format,
        filename=filename[:255],
        size=len(data),
        data=data,
        parts=[part.as_dict() for part in parts],
    )
    transaction.on_commit(lambda: run_import.delay(job.pk))
    return job
