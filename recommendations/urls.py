from django.urls import path

from recommendations import api

urlpatterns = [
    path("movies/<int:tmdb_id>/similar/", api.SimilarMoviesApi.as_view(), name="movie-similar"),
    path(
        "recommendations/genre/<str:genre>/",
        api.GenreRecommendationsApi.as_view(),
        name="recommendations-genre",
    ),
    path("users/me/recommendations/", api.UserRecommendationsApi.as_view(), name="user-recommendations"),
]
