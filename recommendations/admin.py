from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from recommendations import analytics
from recommendations.experiments import running_experiment_forget
from recommendations.models import EvaluationRun, Experiment, RecommendationIndex, RecommendationLog


@admin.register(RecommendationLog)
class RecommendationLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "algorithm", "variant", "source", "user", "query"]
    list_filter = ["kind", "algorithm", "source", "experiment"]
    search_fields = ["query", "user__email"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"


@admin.register(RecommendationIndex)
class RecommendationIndexAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "version",
        "kind",
        "changed_movies",
        "catalog_version",
        "movie_count",
        "interaction_count",
        "build_seconds",
    ]
    list_filter = ["kind", "current"]
    readonly_fields = [
        "version",
        "kind",
        "catalog_version",
        "catalog_updated_at",
        "changed_movies",
        "changed_since_full",
        "full_built_at",
        "movie_count",
        "interaction_count",
        "build_seconds",
        "rows_written",
        "current",
        "meta",
        "created_at",
    ]


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    """Create, start and stop experiments without a deploy; the change page shows results and the chart."""

    list_display = ["name", "kind", "active", "starts_at", "ends_at", "created_at"]
    list_filter = ["active", "kind"]
    search_fields = ["name", "description"]
    actions = ["start", "stop"]
    readonly_fields = ["outcome_chart", "results", "created_at", "updated_at"]
    fields = [
        "name",
        "description",
        "kind",
        "variants",
        "active",
        "starts_at",
        "ends_at",
        "outcome_chart",
        "results",
        "created_at",
        "updated_at",
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        running_experiment_forget(obj.kind)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        running_experiment_forget(obj.kind)

    @admin.action(description="Start the selected experiments")
    def start(self, request, queryset):
        queryset.update(active=True)
        running_experiment_forget()

    @admin.action(description="Stop the selected experiments")
    def stop(self, request, queryset):
        queryset.update(active=False, ends_at=timezone.now())
        running_experiment_forget()

    def _results(self, obj):
        if not obj.pk:
            return None
        if not hasattr(obj, "_results_cache"):
            obj._results_cache = analytics.experiment_results_cached(experiment=obj)
        return obj._results_cache

    @admin.display(description="Outcome rate per variant per day")
    def outcome_chart(self, obj):
        results = self._results(obj)
        if results is None:
            return "Save the experiment first."
        # A hand-built SVG: the runtime image has no plotting library (matplotlib is a dev-only dependency).
        svg = analytics.outcome_chart_svg(results["daily"], [v["variant"] for v in results["variants"]])
        return mark_safe(svg)  # noqa: S308 - built here from numbers and escaped variant names

    @admin.display(description="Results")
    def results(self, obj):
        results = self._results(obj)
        if results is None:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} [{}, {}]</td>"
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    v["variant"] + (" (control)" if v["is_control"] else ""),
                    v["impressions"],
                    v["users"],
                    f"{v['outcome_rate']:.2%}",
                    f"{v['ci95'][0]:.2%}",
                    f"{v['ci95'][1]:.2%}",
                    "-" if v["lift"] is None else f"{v['lift']:+.1%}",
                    "-" if v["p_value"] is None else f"{v['p_value']:.4f}",
                    f"{v['coverage']:.2%}",
                    "-" if v["novelty"] is None else f"{v['novelty']:.2f}",
                )
                for v in results["variants"]
            ),
        )
        return format_html(
            "<table><tr><th>variant</th><th>impressions</th><th>users</th><th>outcome rate [95% CI]</th>"
            "<th>lift</th><th>p-value</th><th>coverage</th><th>novelty</th></tr>{}</table>"
            "<p>Outcomes within {} days; computed {}.</p>",
            rows,
            results["attribution_days"],
            results["computed_at"],
        )


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "dataset", "seed", "seconds"]
    readonly_fields = ["dataset", "seed", "seconds", "metrics", "details", "created_at"]
