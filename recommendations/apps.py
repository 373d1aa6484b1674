from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations"

    def ready(self) -> None:
        from movies.signals import catalog_changed

        catalog_changed.connect(_queue_index_rebuild, dispatch_uid="recommendations.rebuild-on-catalog-change")


def _queue_index_rebuild(sender, **kwargs) -> None:
    # A worker builds it (in-process when Celery runs eagerly, as in the embedded default); force=False
    # makes it a no-op when the index already matches the catalog.
    from recommendations.tasks import rebuild_recommendation_index

    rebuild_recommendation_index.delay(force=False)
