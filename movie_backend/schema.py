"""OpenAPI plumbing: the ErrorEnvelope component, the error responses every operation can give, and the HTTP
caching headers of views with an `http_cache` policy (movies.http_cache)."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers

from movie_backend.exceptions import ERROR_CODES


class ErrorEnvelopeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["error"])
    code = serializers.ChoiceField(
        choices=list(ERROR_CODES),
        help_text="One code per kind of error:\n\n"
        + "\n".join(f"- `{code}`: {text}" for code, text in ERROR_CODES.items()),
    )
    message = serializers.CharField(help_text="A human sentence.")
    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Field errors for a 400 (field name to list of messages), else an empty object.",
    )

    class Meta:
        ref_name = "ErrorEnvelope"


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorEnvelopeSerializer, description=description)


class AutoSchema(SpectacularAutoSchema):
    """Adds the envelope-shaped error responses an operation can actually return."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {
            "400": _error(
                "Invalid input: field errors under `errors`; or a body that is not JSON, or nested too deeply."
            ),
            "404": _error("Not found (or not yours)."),
            "429": _error("Throttled; see the `Retry-After` header."),
            "500": _error("Unexpected server error (logged; never a traceback)."),
        }
        if self._requires_auth():
            errors["401"] = _error("Missing, expired or blacklisted token.")
            errors["403"] = _error("Authenticated but not allowed.")
        if self.method in ("POST", "PUT", "PATCH"):
            errors["413"] = _error("The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (1 MiB by default).")
            errors["415"] = _error("The body is not `application/json`.")
        if self.method == "POST":
            errors["409"] = _error("Conflicts with the current state.")
        errors["503"] = _error("An upstream or dependency is down and nothing cached can answer; see `Retry-After`.")
        if self._http_cache() is not None:
            errors["304"] = OpenApiResponse(description="Not modified: the `If-None-Match` ETag is current. No body.")
        for status_code, response in errors.items():
            if status_code not in responses:
                responses[status_code] = self._get_response_for_code(response, status_code, direction=direction)
        return responses

    def _get_request_body(self, direction="request"):
        # drf-spectacular documents bodies of POST, PUT and PATCH only; a view whose DELETE takes one says so
        # with `delete_takes_body` (DELETE /api/users/me/ takes the password) and gets it documented too.
        if self.method != "DELETE" or not getattr(self.view, "delete_takes_body", False):
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"

    def get_override_parameters(self):
        return [*super().get_override_parameters(), *self._http_cache_parameters()]

    def _http_cache(self):
        return getattr(self.view, "http_cache", None) if self.method == "GET" else None

    def _http_cache_parameters(self) -> list[OpenApiParameter]:
        policy = self._http_cache()
        if policy is None:
            return []
        header, both = OpenApiParameter.HEADER, [200, 304]
        return [
            OpenApiParameter(
                "If-None-Match",
                OpenApiTypes.STR,
                header,
                description="The `ETag` of an earlier answer: while it is still current, a 304 with no body.",
            ),
            OpenApiParameter(
                "ETag", OpenApiTypes.STR, header, response=both, description="Strong validator: a hash of the body."
            ),
            OpenApiParameter(
                "Cache-Control",
                OpenApiTypes.STR,
                header,
                response=both,
                description=(
                    f"`public, max-age=<{policy.ttl_setting}>` (the data's TTL, {policy.ttl} s as configured) for "
                    "anonymous callers; `private, no-cache` when an Authorization header is sent; "
                    "`public, no-cache` for a stale answer (`X-Cache-Stale: 1`)."
                ),
            ),
            OpenApiParameter(
                "Vary",
                OpenApiTypes.STR,
                header,
                response=both,
                description="Includes `Authorization`: a signed-in caller's answer may differ.",
            ),
            OpenApiParameter(
                "Age",
                OpenApiTypes.INT,
                header,
                response=both,
                description="Seconds since the kept anonymous answer was made (only on answers served from it).",
            ),
        ]

    def _requires_auth(self) -> bool:
        return not all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())
