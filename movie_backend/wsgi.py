import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movie_backend.settings")

application = get_wsgi_application()
# Import every view now, while the worker boots: Django loads the URL conf on the first request otherwise, and
# that request would pay its imports (about 0.8 s, most of it the OpenAI SDK) on top of its own work.
get_resolver().url_patterns  # noqa: B018
