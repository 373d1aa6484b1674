"""Settings for the test run: the real settings, with DEBUG off, as production runs them.

Only what a test run cannot take from the environment is set here: a throwaway SECRET_KEY and plain
HTTP for the test client. DATABASE_URL and REDIS_URL, when set, are honoured unchanged.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789abcdef")
os.environ["DEBUG"] = "False"
os.environ["SECURE_SSL_REDIRECT"] = "False"
# Each test starts from an empty cache; a run never shares keys with a running server or another run.
os.environ.setdefault("CACHE_KEY_PREFIX", f"test{os.getpid()}")
# No per-process cache tier in tests: each test starts from an empty cache (tests that need it turn it on).
os.environ.setdefault("CACHE_LOCAL_SECONDS", "0")

from movie_backend.settings import *  # noqa: E402,F403

# Concurrent runs against one PostgreSQL server each get their own test database.
if DATABASE_URL:  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}  # noqa: F405

# Counters are written at once, so a test reads what it just counted.
USAGE_FLUSH_SECONDS = 0

# Eager Celery in tests even when a broker is configured: jobs are asserted by their effects.
CELERY_TASK_ALWAYS_EAGER = True
