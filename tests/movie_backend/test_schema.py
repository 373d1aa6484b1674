from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.mark.django_db
def test_schema_is_served_as_json_with_the_error_envelope_component():
    response = APIClient().get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    envelope = schema["components"]["schemas"]["ErrorEnvelope"]
    assert set(envelope["properties"]) == {"status", "code", "message", "errors"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_documentation_pages_render(path):
    response = APIClient().get(path)

    assert response.status_code == 200
    assert b"/api/schema/" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/movies/", "/api/movies/{tmdb_id}/", "/api/movies/search/", "/api/genres/"])
def test_public_gets_document_their_caching_headers_and_the_304(path):
    operation = APIClient().get("/api/schema/?format=json").json()["paths"][path]["get"]

    assert "If-None-Match" in {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    for status in ("200", "304"):
        assert {"ETag", "Cache-Control", "Vary"} <= set(operation["responses"][status]["headers"]), status
    assert "content" not in operation["responses"]["304"]


@pytest.mark.django_db
def test_the_search_results_discriminator_maps_each_media_type_the_api_answers():
    schemas = APIClient().get("/api/schema/?format=json").json()["components"]["schemas"]

    mapping = schemas["SearchResult"]["discriminator"]["mapping"]

    assert schemas["SearchResult"]["discriminator"]["propertyName"] == "media_type"
    assert {value: ref.rsplit("/", 1)[-1] for value, ref in mapping.items()} == {
        "movie": "MovieSearchResult",
        "person": "PersonSearchResult",
        "collection": "CollectionSearchResult",
    }
