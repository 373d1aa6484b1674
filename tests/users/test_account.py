"""GET /api/users/me/export/ (everything stored about the caller) and DELETE /api/users/me/ (all of it, gone)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from rest_framework.test import APIClient

from recommendations.models import RecommendationLog
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, FavoriteFactory, InteractionFactory, MovieFactory
from users.models import Favorite, Import, ImportUnmatched, Interaction, Play, Preference, User

EXPORT = "/api/users/me/export/"
ME = "/api/users/me/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(user, movie):
    """One of each row a user can have."""
    other = MovieFactory(title="Heat")
    FavoriteFactory(user=user, movie=movie)
    InteractionFactory(user=user, movie=other, type="rated", rating=Decimal("4.5"))
    Preference.objects.create(user=user, genres=[18], people=["Agnès Varda"], movies=[movie.tmdb_id])
    client = client_for(user)
    client.post("/api/users/me/history/", {"tmdb_id": other.tmdb_id, "watched_at": "2024-05-01T21:30:00Z"})
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            "/api/users/me/imports/",
            {
                "file": SimpleUploadedFile("watched.csv", b"Date,Name,Year,Letterboxd URI\n2024,Nope,1990,x\n"),
                "format": "letterboxd",
            },
            format="multipart",
        )
    RecommendationLog.objects.create(
        user=user, kind="natural_language", algorithm="x", query="quiet films", movie_ids=[1]
    )
    return {"movie": movie, "other": other}


def test_the_export_holds_every_row_about_the_caller(auth_client, user, stored, other_user):
    FavoriteFactory(user=other_user)  # someone else's rows stay out

    response = auth_client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="account-export.json"'
    body = response.json()
    assert set(body) == {
        "exported_at",
        "profile",
        "preferences",
        "favorites",
        "interactions",
        "history",
        "imports",
        "recommendations",
    }
    assert body["profile"]["email"] == user.email
    assert body["preferences"]["people"] == ["Agnès Varda"]
    assert [f["tmdb_id"] for f in body["favorites"]] == [stored["movie"].tmdb_id]
    assert {(i["title"], i["type"], i["rating"]) for i in body["interactions"]} == {
        ("Heat", "rated", 4.5),
        ("Heat", "watched", None),  # the play marked it watched
    }
    assert [(p["title"], p["watched_at"]) for p in body["history"]] == [("Heat", "2024-05-01T21:30:00Z")]
    (job,) = body["imports"]
    assert (job["filename"], job["rows"], job["unmatched"][0]["title"]) == ("watched.csv", 1, "Nope")
    assert "data" not in job
    assert body["recommendations"][0]["query"] == "quiet films"
    assert "password" not in str(body)


def test_deleting_the_account_deletes_its_rows_and_its_tokens_stop_working(user, stored, other_user):
    FavoriteFactory(user=other_user)
    pair = APIClient().post("/api/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD}).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")

    response = client.delete(ME, {"password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()
    for model in (Favorite, Interaction, Play, Preference, Import, ImportUnmatched):
        assert not model.objects.filter(**_mine(model, user)).exists(), model.__name__
    assert not RecommendationLog.objects.exists()
    assert Favorite.objects.filter(user=other_user).count() == 1
    # The access token is refused at once, and so is the refresh token.
    denied = client.get(ME)
    assert (denied.status_code, denied.json()["code"]) == (401, "token_not_valid")
    refreshed = APIClient().post("/api/auth/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert (refreshed.status_code, refreshed.json()["code"]) == (401, "token_not_valid")


def test_a_wrong_password_deletes_nothing(auth_client, user):
    response = auth_client.delete(ME, {"password": "not it"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"password": ["The password is incorrect."]}
    assert User.objects.filter(pk=user.pk).exists()


def test_deletion_needs_the_password(auth_client, user):
    response = auth_client.delete(ME, {}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert User.objects.filter(pk=user.pk).exists()


def test_export_and_deletion_need_a_token(api_client):
    assert api_client.get(EXPORT).status_code == 401
    assert api_client.delete(ME, {"password": "x"}, format="json").status_code == 401


def _mine(model, user) -> dict:
    return {"job__user_id": user.pk} if model is ImportUnmatched else {"user_id": user.pk}
