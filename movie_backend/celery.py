"""The Celery app. Tasks are discovered in each app's tasks.py; the beat schedule is CELERY_BEAT_SCHEDULE
in settings. Without REDIS_URL tasks run eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movie_backend.settings")

app = Celery("movie_backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
