"""The public recommendation lists (similar, genre picks) send ETag and Cache-Control and answer a matching
If-None-Match with a 304, and each answer still logs its impression (they are never answered before the view)."""

from __future__ import annotations

import pytest

from recommendations.models import RecommendationLog
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/movies/603/similar/", "/api/recommendations/genre/878/"])
def test_a_public_list_is_revalidated_with_its_etag_and_still_logged(api_client, catalog, settings, path):
    first = api_client.get(path)
    again = api_client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200 and first.json()["results"]
    assert first["Cache-Control"] == f"public, max-age={settings.CACHE_TTL_RECOMMENDATIONS}"
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]
    assert RecommendationLog.objects.count() == 2  # the revalidated answer was served too: its impression counts


def test_a_signed_in_callers_list_is_private(catalog):
    response = client_for(UserFactory()).get("/api/movies/603/similar/")

    assert response.status_code == 200 and response["Cache-Control"] == "private, no-cache"
