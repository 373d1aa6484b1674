from django.urls import path

from users import account_api, api, history_api
from users.imports import api as imports_api

urlpatterns = [
    path("auth/register/", api.UserRegisterApi.as_view(), name="auth-register"),
    path("auth/login/", api.UserLoginApi.as_view(), name="auth-login"),
    path("auth/refresh/", api.TokenRefreshApi.as_view(), name="auth-refresh"),
    path("auth/logout/", api.UserLogoutApi.as_view(), name="auth-logout"),
    path("users/me/", api.UserMeApi.as_view(), name="users-me"),
    path("users/me/password/", api.UserPasswordChangeApi.as_view(), name="users-me-password"),
    path("users/me/favorites/", api.FavoriteListCreateApi.as_view(), name="users-me-favorites"),
    path("users/me/favorites/<int:tmdb_id>/", api.FavoriteDeleteApi.as_view(), name="users-me-favorite"),
    path("users/me/interactions/", api.InteractionListCreateApi.as_view(), name="users-me-interactions"),
    path(
        "users/me/interactions/<int:interaction_id>/",
        api.InteractionDeleteApi.as_view(),
        name="users-me-interaction",
    ),
    path("users/me/preferences/", api.PreferenceApi.as_view(), name="users-me-preferences"),
    path("auth/password/reset/", account_api.PasswordResetApi.as_view(), name="auth-password-reset"),
    path(
        "auth/password/reset/confirm/",
        account_api.PasswordResetConfirmApi.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("users/me/export/", account_api.AccountExportApi.as_view(), name="users-me-export"),
    path("users/me/history/", history_api.PlayListCreateApi.as_view(), name="users-me-history"),
    path("users/me/history/<int:play_id>/", history_api.PlayDeleteApi.as_view(), name="users-me-play"),
    path("users/me/imports/", imports_api.ImportListCreateApi.as_view(), name="users-me-imports"),
    path("users/me/imports/<int:import_id>/", imports_api.ImportDetailApi.as_view(), name="users-me-import"),
]
