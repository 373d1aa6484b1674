"""The daily token flush and the Django admin pages for accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import FavoriteFactory, InteractionFactory, UserFactory
from users.tasks import flush_expired_tokens

pytestmark = pytest.mark.django_db


def test_flush_expired_tokens_deletes_expired_outstanding_and_blacklisted_tokens(user):
    live = RefreshToken.for_user(user)
    expired = RefreshToken.for_user(user)
    expired_and_blacklisted = RefreshToken.for_user(user)
    expired_and_blacklisted.blacklist()
    OutstandingToken.objects.filter(jti__in=[expired["jti"], expired_and_blacklisted["jti"]]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    deleted = flush_expired_tokens.delay().get()

    assert deleted == 2
    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == [live["jti"]]
    assert not BlacklistedToken.objects.exists()


def test_the_task_is_registered_under_the_scheduled_name():
    from django.conf import settings

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert flush_expired_tokens.name == "users.tasks.flush_expired_tokens"
    assert flush_expired_tokens.name in scheduled


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users/user/?q=example.com&is_staff__exact=0",
        "/admin/users/user/add/",
        "/admin/users/favorite/?movie__adult__exact=0",
        "/admin/users/interaction/?type__exact=rated",
        "/admin/users/preference/",
    ],
)
def test_admin_pages_render(admin_client, path):
    FavoriteFactory()
    InteractionFactory()

    assert admin_client.get(path).status_code == 200


def test_admin_user_change_page_renders(admin_client, user):
    assert admin_client.get(f"/admin/users/user/{user.pk}/change/").status_code == 200
