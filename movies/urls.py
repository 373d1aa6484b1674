from django.conf import settings
from django.urls import path

from movies import api

urlpatterns = [
    path("movies/", api.MovieListApi.as_view(), name="movie-list"),
    path("movies/trending/", api.MovieTrendingApi.as_view(), name="movie-trending"),
    path("movies/search/", api.MovieSearchApi.as_view(), name="movie-search"),
    path("movies/<int:tmdb_id>/", api.MovieDetailApi.as_view(), name="movie-detail"),
    path(
        "movies/<int:tmdb_id>/recommendations/",
        api.MovieRecommendationsApi.as_view(),
        name="movie-recommendations",
    ),
    path("genres/", api.GenreListApi.as_view(), name="genre-list"),
]

if settings.BENCH_BARE_VIEW_BODY:
    # Never set in normal serving: bench/bench_movies.py sets it for its own server only.
    urlpatterns += [
        path("bench/bare/", api.bench_bare_view, name="bench-bare"),
        path("bench/bare/<slug:name>/", api.bench_bare_view, name="bench-bare-named"),
    ]
