from django.contrib import admin

from movies.models import Collection, Genre, Keyword, Movie, MovieListEntry, Person, TmdbState, WatchProvider


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["tmdb_id", "name"]
    search_fields = ["name"]


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    list_display = ["tmdb_id", "title", "release_date", "popularity", "vote_average", "adult", "source", "synced_at"]
    list_filter = ["source", "adult", "genres"]
    search_fields = ["title", "original_title", "imdb_id", "=tmdb_id"]
    filter_horizontal = ["genres"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "synced_at",
        "details_synced_at",
        "director",
        "writer",
        "cast",
        "keywords",
    ]
    raw_id_fields = ["collection"]


@admin.register(MovieListEntry)
class MovieListEntryAdmin(admin.ModelAdmin):
    list_display = ["category", "rank", "movie", "synced_at"]
    list_filter = ["category"]
    list_select_related = ["movie"]
    raw_id_fields = ["movie"]


@admin.register(TmdbState)
class TmdbStateAdmin(admin.ModelAdmin):
    list_display = ["key", "updated_at"]
    readonly_fields = ["updated_at"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "tmdb_id", "local_id", "known_for_department", "details_synced_at"]
    search_fields = ["name", "=tmdb_id", "=local_id"]
    readonly_fields = ["created_at", "updated_at", "details_synced_at"]


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["tmdb_id", "name", "parts_synced_at"]
    search_fields = ["name", "=tmdb_id"]


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    list_display = ["name", "tmdb_id", "local_id"]
    search_fields = ["name", "=tmdb_id"]


@admin.register(WatchProvider)
class WatchProviderAdmin(admin.ModelAdmin):
    list_display = ["tmdb_id", "name"]
    search_fields = ["name"]
