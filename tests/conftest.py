"""Fixtures shared by every test package."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (only this run's keys: django-redis honours the key prefix)."""
    _clear_cache()
    yield
    _clear_cache()


def _clear_cache() -> None:
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
