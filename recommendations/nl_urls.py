from django.urls import path

from recommendations.nl_api import NlRecommendApi

urlpatterns = [
    path("recommend/", NlRecommendApi.as_view(), name="recommend"),
]
