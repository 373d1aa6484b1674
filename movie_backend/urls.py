from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from movie_backend import errors, health
from movie_backend.api import UsageApi
from movie_backend.metrics import metrics_view

urlpatterns = [
    path("health/", health.LivenessApi.as_view(), name="health"),
    path("health/ready/", health.ReadinessApi.as_view(), name="health-ready"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/admin/usage/", UsageApi.as_view(), name="admin-usage"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include("movies.urls")),
    path("api/", include("users.urls")),
    path("api/", include("recommendations.urls")),
    path("api/", include("recommendations.nl_urls")),
    path("api/", include("recommendations.analytics_urls")),
    # Anything else under /api/ is a 404 in the envelope, also with DEBUG on.
    re_path(r"^api/", errors.page_not_found),
]

handler400 = "movie_backend.errors.bad_request"
handler403 = "movie_backend.errors.permission_denied"
handler404 = "movie_backend.errors.page_not_found"
handler500 = "movie_backend.errors.server_error"
