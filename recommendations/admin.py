from django.contrib import admin

from recommendations.models import RecommendationIndex, RecommendationLog


@admin.register(RecommendationLog)
class RecommendationLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "algorithm", "source", "user", "query"]
    list_filter = ["kind", "algorithm", "source"]
    search_fields = ["query", "user__email"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"


@admin.register(RecommendationIndex)
class RecommendationIndexAdmin(admin.ModelAdmin):
    list_display = ["created_at", "version", "catalog_version", "movie_count", "interaction_count", "build_seconds"]
    exclude = ["payload"]
    readonly_fields = ["version", "catalog_version", "movie_count", "interaction_count", "build_seconds", "created_at"]
