"""Fixtures for the movie tests (offline by default and `tmdb` come from tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.fakes.tmdb import FakeTmdb


@pytest.fixture
def tmdb_v3(settings, fake_tmdb) -> FakeTmdb:
    """TMDb configured with a v3 api_key only."""
    settings.TMDB_API_BASE_URL = fake_tmdb.base_url
    settings.TMDB_API_KEY = fake_tmdb.api_key
    return fake_tmdb
