from django.contrib import admin
from django.utils import timezone

from movie_backend import usage
from movie_backend.models import UsageCounter


@admin.register(UsageCounter)
class UsageCounterAdmin(admin.ModelAdmin):
    """Daily usage history, with today's live counters and headline figures above the list."""

    list_display = ["day", "event", "value", "updated_at"]
    list_filter = ["day"]
    search_fields = ["event"]
    date_hierarchy = "day"
    readonly_fields = ["day", "event", "value", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        today = timezone.now().date()
        counters = usage.counters_for(today.isoformat())
        extra_context = {
            **(extra_context or {}),
            "usage_day": today,
            "usage_summary": usage.summarize(counters),
            "usage_counters": sorted(counters.items()),
        }
        return super().changelist_view(request, extra_context=extra_context)
