from django.urls import path

from recommendations import admin_api

urlpatterns = [
    path("admin/experiments/", admin_api.ExperimentListApi.as_view(), name="admin-experiments"),
    path("admin/experiments/<int:id>/", admin_api.ExperimentResultsApi.as_view(), name="admin-experiment"),
    path("admin/analytics/", admin_api.SiteAnalyticsApi.as_view(), name="admin-analytics"),
    path("admin/model-performance/", admin_api.ModelPerformanceApi.as_view(), name="admin-model-performance"),
    path("users/me/analytics/", admin_api.UserAnalyticsApi.as_view(), name="users-me-analytics"),
]
