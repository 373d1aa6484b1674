"""Page and limit are strict: bad values are a 400, never a silent default."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from movies.models import Genre

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.movie_backend.urls")]


@pytest.fixture
def genres():
    Genre.objects.bulk_create(Genre(tmdb_id=i, name=f"Genre {i}") for i in range(1, 131))


def test_default_page_is_20_with_links(genres):
    body = APIClient().get("/t/genres/").json()

    assert body["count"] == 130
    assert len(body["results"]) == 20
    assert body["previous"] is None
    assert "page=2" in body["next"]


def test_limit_and_page_select_the_slice(genres):
    body = APIClient().get("/t/genres/?limit=7&page=3").json()

    assert [g["tmdb_id"] for g in body["results"]] == list(range(15, 22))


def test_limit_100_is_the_maximum_allowed(genres):
    assert len(APIClient().get("/t/genres/?limit=100").json()["results"]) == 100


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=x", "page"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
    ],
)
def test_bad_page_or_limit_is_400(genres, query, field):
    response = APIClient().get(f"/t/genres/?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_page_past_the_end_is_404(genres):
    response = APIClient().get("/t/genres/?page=99")

    assert response.status_code == 404
    assert response.json()["status"] == "error"
