"""Serializer fields for request bodies that take JSON types as the contract states them.

DRF's CharField turns a JSON number into a string (`{"query": 42}` becomes "42"): a client that sends a number
where the contract says string has a bug it should hear about, as a 400 naming the field.
"""

from __future__ import annotations

from rest_framework import serializers


class _StringOnly:
    default_error_messages = {"not_a_string": "Must be a string, not {kind}."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string", kind=_json_kind(data))
        return super().to_internal_value(data)


def _json_kind(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else type(value).__name__


class StrictCharField(_StringOnly, serializers.CharField):
    pass


class StrictEmailField(_StringOnly, serializers.EmailField):
    pass
