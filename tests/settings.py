"""Settings for the test run: the real settings, with DEBUG off, as production runs them.

Only what a test run cannot take from the environment is set here: a throwaway SECRET_KEY and plain
HTTP for the test client. DATABASE_URL and REDIS_URL, when set, are honoured unchanged.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789abcdef")
os.environ["DEBUG"] = "False"
os.environ["SECURE_SSL_REDIRECT"] = "False"
# Each test starts from an empty cache; the suite never shares keys with a running server.
os.environ.setdefault("CACHE_KEY_PREFIX", "test")

from movie_backend.settings import *  # noqa: E402,F403

# Eager Celery in tests even when a broker is configured: jobs are asserted by their effects.
CELERY_TASK_ALWAYS_EAGER = True
