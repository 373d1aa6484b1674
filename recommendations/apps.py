from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations"

    def ready(self) -> None:
        from movies.signals import catalog_changed
        from recommendations.signals import index_stale

        catalog_changed.connect(_queue_index_rebuild, dispatch_uid="recommendations.rebuild-on-catalog-change")
        index_stale.connect(_queue_index_rebuild, dispatch_uid="recommendations.rebuild-on-stale-index")


def _queue_index_rebuild(sender, **kwargs) -> str | None:
    # A worker builds it (in-process when Celery runs eagerly, as in the embedded default); force=False
    # makes it a no-op when the index already matches the catalog. The notice, when the broker is down,
    # goes back to whoever changed the catalog (catalog_changed's contract).
    from recommendations.tasks import recommendation_index_rebuild_queue

    return recommendation_index_rebuild_queue(force=False).notice or None
