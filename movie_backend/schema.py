"""OpenAPI plumbing: the ErrorEnvelope component and the error responses every operation can give."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
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

    def _requires_auth(self) -> bool:
        return not all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())
