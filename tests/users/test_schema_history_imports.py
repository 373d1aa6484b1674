"""The OpenAPI schema documents history, imports, password reset, export and deletion."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/?format=json").json()


@pytest.mark.parametrize(
    ("path", "method", "tag", "success"),
    [
        ("/api/users/me/history/", "get", "users", "200"),
        ("/api/users/me/history/", "post", "users", "201"),
        ("/api/users/me/history/{play_id}/", "delete", "users", "204"),
        ("/api/users/me/imports/", "get", "users", "200"),
        ("/api/users/me/imports/", "post", "users", "202"),
        ("/api/users/me/imports/{import_id}/", "get", "users", "200"),
        ("/api/auth/password/reset/", "post", "auth", "202"),
        ("/api/auth/password/reset/confirm/", "post", "auth", "204"),
        ("/api/users/me/export/", "get", "users", "200"),
        ("/api/users/me/", "delete", "users", "204"),
    ],
)
def test_each_new_operation_is_documented(schema, path, method, tag, success):
    operation = schema["paths"][path][method]

    assert operation["tags"] == [tag]
    assert operation["summary"] and operation["description"]
    assert success in operation["responses"]
    assert operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorEnvelope")
    if method in ("post", "delete") and path != "/api/users/me/history/{play_id}/":
        assert "requestBody" in operation


def test_the_import_upload_is_multipart_with_a_binary_file(schema):
    operation = schema["paths"]["/api/users/me/imports/"]["post"]
    body = operation["requestBody"]["content"]

    assert list(body) == ["multipart/form-data"]
    request = schema["components"]["schemas"][body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert request["properties"]["file"] == {**request["properties"]["file"], "type": "string", "format": "binary"}
    assert set(request["required"]) == {"file", "format"}
    assert "413" in operation["responses"]
    assert operation["responses"]["202"]["content"]["application/json"]["examples"]


def test_an_import_documents_its_progress_fields(schema):
    fields = schema["components"]["schemas"]["Import"]["properties"]

    assert {"id", "format", "status", "rows", "matched", "created", "unchanged", "unmatched", "error"} <= set(fields)
    assert schema["components"]["schemas"]["ImportStatusEnum"]["enum"] == ["pending", "running", "done", "failed"]
    assert fields["error"]["nullable"] is True


def test_the_export_documents_every_section(schema):
    fields = schema["components"]["schemas"]["AccountExport"]["properties"]

    assert {"profile", "preferences", "favorites", "interactions", "history", "imports"} <= set(fields)
