"""Page-number pagination with `limit` (default 20, max 100), strict about its parameters.

A bad `page` or `limit` is a 400 in the error envelope, never a silent default: a client asking for
`limit=abc` has a bug it should hear about.
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination


class PaginationParams(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, required=False, default=1)
    limit = serializers.IntegerField(min_value=1, max_value=100, required=False, default=20)


class PageLimitPagination(PageNumberPagination):
    page_size = 20
    page_query_param = "page"
    page_size_query_param = "limit"
    max_page_size = 100

    def get_page_size(self, request) -> int:
        return self.validated_params(request)["limit"]

    def get_page_number(self, request, paginator) -> int:
        return self.validated_params(request)["page"]

    def get_schema_operation_parameters(self, view) -> list[dict]:
        # The bounds the API enforces, in the schema too: `page` from 1, `limit` 1 to 100.
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters

    @staticmethod
    def validated_params(request) -> dict[str, int]:
        params = PaginationParams(
            data={k: request.query_params[k] for k in ("page", "limit") if k in request.query_params}
        )
        params.is_valid(raise_exception=True)
        return params.validated_data


class RecommendationPagination(PageLimitPagination):
    """A page of a recommendation list that names what produced it: `algorithm`, and `experiment` and
    `variant` when an A/B experiment served it (the same values the impression log records).

    The view sets `served_by` before asking for the paginated response.
    """

    served_by: dict[str, str] | None = None

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        served = dict(self.served_by or {})
        results = response.data.pop("results")
        response.data.update(served)
        response.data["results"] = results
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        paginated = super().get_paginated_response_schema(schema)
        properties = paginated["properties"]
        results = properties.pop("results")
        properties["algorithm"] = {
            "type": "string",
            "example": "hybrid-v2",
            "description": "The algorithm that produced the list (as recorded with the impression).",
        }
        properties["experiment"] = {
            "type": "string",
            "description": "The A/B experiment that served the list; absent when none did.",
        }
        properties["variant"] = {
            "type": "string",
            "example": "control",
            "description": "The caller's variant in that experiment; absent when none served the list.",
        }
        properties["results"] = results
        paginated["required"] = [*paginated.get("required", ["count", "results"]), "algorithm"]
        return paginated
