"""Absolute image URLs from TMDb paths: image base + size + path (the base comes from /configuration)."""

from __future__ import annotations

from django.conf import settings


def image_url(path: str, *, size: str | None = None) -> str | None:
    if not path:
        return None
    return f"{settings.TMDB_IMAGE_BASE_URL.rstrip('/')}/{size or settings.TMDB_POSTER_SIZE}/{path.lstrip('/')}"
