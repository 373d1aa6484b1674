"""OpenAPI examples of the graph's answers (shortened real answers of a server on the bundled catalog and
the loopback TMDb; see docs/walkthrough-movie-page.md)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

MOVIE_DETAIL_EXAMPLE = OpenApiExample("Fight Club", value={}, response_only=True)
PERSON_EXAMPLE = OpenApiExample("Edward Norton", value={}, response_only=True)
COLLECTION_EXAMPLE = OpenApiExample("The Matrix Collection", value={}, response_only=True)
WATCH_PROVIDERS_EXAMPLE = OpenApiExample("US", value={}, response_only=True)
