"""OpenAPI: FamilyJWTAuthentication is documented as the bearer JWT scheme simplejwt's own class is."""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class FamilyJWTScheme(SimpleJWTScheme):
    target_class = "users.authentication.FamilyJWTAuthentication"
