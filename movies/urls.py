from django.conf import settings
from django.urls import path

from movies import api, graph_api

urlpatterns = [
    path("movies/", api.MovieListApi.as_view(), name="movie-list"),
    path("movies/trending/", api.MovieTrendingApi.as_view(), name="movie-trending"),
    path("movies/discover/", api.MovieDiscoverApi.as_view(), name="movie-discover"),
    path("movies/search/", api.MovieSearchApi.as_view(), name="movie-search"),
    path("movies/<int:tmdb_id>/", api.MovieDetailApi.as_view(), name="movie-detail"),
    path(
        "movies/<int:tmdb_id>/recommendations/",
        api.MovieRecommendationsApi.as_view(),
        name="movie-recommendations",
    ),
    path("genres/", api.GenreListApi.as_view(), name="genre-list"),
    path("search/", graph_api.SearchApi.as_view(), name="search"),
    path("people/search/", graph_api.PeopleSearchApi.as_view(), name="people-search"),
    path("people/<int:person_id>/", graph_api.PersonDetailApi.as_view(), name="person-detail"),
    path("collections/<int:collection_id>/", graph_api.CollectionDetailApi.as_view(), name="collection-detail"),
    path("watch-providers/", graph_api.WatchProviderListApi.as_view(), name="watch-provider-list"),
]

if settings.BENCH_BARE_VIEW_BODY:
    # Never set in normal serving: bench/bench_movies.py sets it for its own server only.
    urlpatterns += [
        path("bench/bare/", api.bench_bare_view, name="bench-bare"),
        path("bench/bare/<slug:name>/", api.bench_bare_view, name="bench-bare-named"),
    ]
