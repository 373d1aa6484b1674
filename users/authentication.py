"""JWT authentication that also refuses the access tokens of a revoked login.

A login is a token family (users.models.TokenFamily): every token of it, refresh and access, carries its id in
the `fam` claim. When a family is revoked (a rotated refresh token presented again), its refresh tokens are
blacklisted in the database and its id is marked in the cache for one access-token lifetime, so its access
tokens stop working at once rather than when they expire. The mark costs one cache read per authenticated
request; with the cache down it is not seen, and those access tokens work until they expire (15 minutes).

This module is imported by DRF's settings at start-up: it imports no models.
"""

from __future__ import annotations

from django.core.cache import cache
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

FAMILY_CLAIM = "fam"


def token_family_revoked_key(family_id) -> str:
    return f"auth:token-family-revoked:v1:{family_id}"


class FamilyJWTAuthentication(JWTAuthentication):
    def get_validated_token(self, raw_token: bytes):
        token = super().get_validated_token(raw_token)
        family_id = token.get(FAMILY_CLAIM)
        if family_id and cache.get(token_family_revoked_key(family_id)):
            raise InvalidToken("Token has been revoked.")
        return token
