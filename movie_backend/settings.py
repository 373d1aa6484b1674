"""Settings for movie_backend: the one place every setting is declared.

Everything comes from the environment (python-decouple reads os.environ, then a .env file). With no
environment at all the service runs embedded: a SQLite file, a local-memory cache and Celery tasks run
eagerly in-process. DATABASE_URL and REDIS_URL switch the same code to PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers
from decouple import Csv, config
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core -----------------------------------------------------------------------------------------

DEBUG = config("DEBUG", default=False, cast=bool)

SECRET_KEY = config("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random string "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    # Only ever used with DEBUG on (make run); never in production.
    SECRET_KEY = "django-insecure-local-development-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = config("ALLOWED_HOSTS", default="localhost,127.0.0.1", cast=Csv())

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "axes",
    "movie_backend",
    "movies",
    "users",
    "recommendations",
]

MIDDLEWARE = [
    "movie_backend.metrics.MetricsMiddleware",
    "movie_backend.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out admin login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "movie_backend.urls"
WSGI_APPLICATION = "movie_backend.wsgi.application"
ASGI_APPLICATION = "movie_backend.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------

DATABASE_URL = config("DATABASE_URL", default="")
if DATABASE_URL:
    # Persistent connections with a health check before reuse, so a restarted PostgreSQL costs one
    # failed-and-retried connection rather than a burst of errors.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=config("DB_CONN_MAX_AGE", default=600, cast=int),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": config("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3")),
            # SQLite serialises writers; wait for the lock instead of failing at once. IMMEDIATE takes the
            # write lock when a transaction begins, so two processes writing at once wait in turn instead
            # of one failing with "database is locked" when its read lock cannot be upgraded.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------------

REDIS_URL = config("REDIS_URL", default="")
CACHE_KEY_PREFIX = config("CACHE_KEY_PREFIX", default="mb")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A Redis outage is a cache miss, not a 500; short timeouts so it is a fast miss.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "movie-backend",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

# Cache lifetimes in seconds (trending 15 min to 1 h, details 24 h, search 15 min).
CACHE_TTL_LISTS = config("CACHE_TTL_LISTS", default=30 * 60, cast=int)
# Mirror lists and discover count their matches up to this many (TMDb serves 500 pages of 20 at most).
MIRROR_COUNT_MAX = config("MIRROR_COUNT_MAX", default=10_000, cast=int)
CACHE_TTL_DETAILS = config("CACHE_TTL_DETAILS", default=24 * 60 * 60, cast=int)
CACHE_TTL_SEARCH = config("CACHE_TTL_SEARCH", default=15 * 60, cast=int)
CACHE_TTL_RECOMMENDATIONS = config("CACHE_TTL_RECOMMENDATIONS", default=30 * 60, cast=int)
# Recommendation index: neighbours kept per movie, personalized list length, how often a request checks
# the catalog version (staleness), and how long the build lock lives where it is a cache key (SQLite).
RECOMMENDATIONS_NEIGHBOURS = config("RECOMMENDATIONS_NEIGHBOURS", default=50, cast=int)
# A full build of a larger catalog finds content neighbours approximately (SVD + HNSW candidates re-ranked by
# the exact cosine) instead of the exact n x n search, which takes hours at 1M movies.
RECOMMENDATIONS_EXACT_NEIGHBOURS_MAX = config("RECOMMENDATIONS_EXACT_NEIGHBOURS_MAX", default=200_000, cast=int)
RECOMMENDATIONS_LIST_SIZE = config("RECOMMENDATIONS_LIST_SIZE", default=100, cast=int)
# Genre picks a build stores per genre (the deepest page a client can reach): the list is read as one row.
RECOMMENDATIONS_GENRE_LIST_SIZE = config("RECOMMENDATIONS_GENRE_LIST_SIZE", default=1000, cast=int)
RECOMMENDATIONS_CATALOG_CHECK_SECONDS = config("RECOMMENDATIONS_CATALOG_CHECK_SECONDS", default=30, cast=int)
RECOMMENDATIONS_BUILD_LOCK_SECONDS = config("RECOMMENDATIONS_BUILD_LOCK_SECONDS", default=30 * 60, cast=int)
# A rebuild after a catalog change recomputes only the changed movies' content neighbours while the movies
# changed since the last full build are at most this share of the catalog (0: always full), and while the
# last full build is younger than this many hours: kept lists drift slightly as the TF-IDF weights are refitted.
RECOMMENDATIONS_INCREMENTAL_MAX_SHARE = config("RECOMMENDATIONS_INCREMENTAL_MAX_SHARE", default=0.2, cast=float)
RECOMMENDATIONS_FULL_BUILD_HOURS = config("RECOMMENDATIONS_FULL_BUILD_HOURS", default=24, cast=float)
# Experiments: how long a process trusts its cached running experiment, how long a results page is cached,
# and how many days after an impression a favorite/like/watchlist/watched/rating >= 4 counts as its outcome.
EXPERIMENTS_CACHE_SECONDS = config("EXPERIMENTS_CACHE_SECONDS", default=30, cast=int)
EXPERIMENTS_RESULTS_CACHE_SECONDS = config("EXPERIMENTS_RESULTS_CACHE_SECONDS", default=60, cast=int)
EXPERIMENTS_ATTRIBUTION_DAYS = config("EXPERIMENTS_ATTRIBUTION_DAYS", default=7, cast=int)
# How old the last good answer may be when TMDb fails and we serve it anyway (stale-if-error).
CACHE_STALE_MAX_AGE = config("CACHE_STALE_MAX_AGE", default=7 * 24 * 60 * 60, cast=int)
# Hot movie list pages are also kept in each process this long (seconds), and cache hit counters are
# flushed this often, so a hot page costs no cache round trip; 0 turns the local tier off.
CACHE_LOCAL_SECONDS = config("CACHE_LOCAL_SECONDS", default=1.0, cast=float)

# --- Celery ---------------------------------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Without a broker the jobs run in-process, so the embedded default needs no worker.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60
# A publish happens inside requests and commands: with Redis down or silent it must fail within seconds, not
# hang (kombu's Redis transport waits forever by default and ignores broker_connection_timeout). One quick
# retry covers a pooled connection that a Redis restart dropped. Worst case about 2 x (1 s connect or 2 s
# read); a refused connection fails at once. The worker's BRPOP polls every second, within the 2 s read limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TIMEZONE = "UTC"
# The one beat schedule: every periodic job the project runs, in one place.
CELERY_BEAT_SCHEDULE = {
    "tmdb-sync-trending": {
        "task": "movies.tasks.sync_trending",
        "schedule": timedelta(hours=1),
    },
    "tmdb-sync-lists": {
        "task": "movies.tasks.sync_lists",
        "schedule": timedelta(hours=3),
    },
    "tmdb-sync-genres-and-configuration": {
        "task": "movies.tasks.sync_genres_and_configuration",
        "schedule": timedelta(days=1),
    },
    "tmdb-refresh-stale-details": {
        "task": "movies.tasks.refresh_stale_details",
        "schedule": timedelta(hours=6),
    },
    "tmdb-sync-changes": {
        "task": "movies.tasks.sync_changes",
        "schedule": timedelta(hours=12),
    },
    "usage-rollup": {
        "task": "movie_backend.tasks.rollup_usage",
        "schedule": timedelta(minutes=15),
    },
    # Recounts co-occurrence and transitions from new interactions, keeping the content lists (incremental:
    # about 16 s at 100k movies), and builds in full once RECOMMENDATIONS_FULL_BUILD_HOURS have passed since the
    # last full build. Catalog changes rebuild on their own.
    "recommendations-rebuild-index": {
        "task": "recommendations.tasks.rebuild_recommendation_index",
        "schedule": timedelta(minutes=30),
        "kwargs": {"force": False, "interactions": True},
    },
    "users-flush-expired-tokens": {
        "task": "users.tasks.flush_expired_tokens",
        "schedule": timedelta(days=1),
    },
}

# --- Authentication -------------------------------------------------------------------------------

AUTH_USER_MODEL = "users.User"

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses locked-out credentials before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=config("JWT_ACCESS_MINUTES", default=15, cast=int)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=config("JWT_REFRESH_DAYS", default=7, cast=int)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": SECRET_KEY,
}

# Login lockout (users/lockout.py; docs/security.md), on the API and the admin login alike, counting failed
# password checks only. Per account and address: after AXES_FAILURE_LIMIT failures for one email from one
# address, that pair is refused for the cool-off; an attempt during it restarts the cool-off.
AXES_FAILURE_LIMIT = config("AXES_FAILURE_LIMIT", default=5, cast=int)
AXES_COOLOFF_TIME = timedelta(minutes=config("AXES_COOLOFF_MINUTES", default=15, cast=int))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "users.lockout.LoginLockoutHandler"
# The API authenticates with `email`, the admin form posts `username`: one account either way, any case.
AXES_USERNAME_CALLABLE = "users.lockout.login_username"
AXES_CLIENT_IP_CALLABLE = "movie_backend.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "users.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Per account, whatever the address: from the LOGIN_ACCOUNT_FAILURE_LIMIT-th failure (failures are forgotten
# LOGIN_ACCOUNT_WINDOW_SECONDS after the last one) each failure locks the account for
# LOGIN_ACCOUNT_COOLOFF_SECONDS, doubled per further failure up to LOGIN_ACCOUNT_COOLOFF_MAX_SECONDS
# (60, 120, 240, then 300 s), except from addresses it logged in from within LOGIN_KNOWN_ADDRESS_DAYS.
LOGIN_ACCOUNT_FAILURE_LIMIT = config("LOGIN_ACCOUNT_FAILURE_LIMIT", default=20, cast=int)
LOGIN_ACCOUNT_WINDOW_SECONDS = config("LOGIN_ACCOUNT_WINDOW_SECONDS", default=60 * 60, cast=int)
LOGIN_ACCOUNT_COOLOFF_SECONDS = config("LOGIN_ACCOUNT_COOLOFF_SECONDS", default=60, cast=int)
LOGIN_ACCOUNT_COOLOFF_MAX_SECONDS = config("LOGIN_ACCOUNT_COOLOFF_MAX_SECONDS", default=5 * 60, cast=int)
LOGIN_KNOWN_ADDRESS_DAYS = config("LOGIN_KNOWN_ADDRESS_DAYS", default=30, cast=int)

# --- REST framework -------------------------------------------------------------------------------

# Default rates per scope; THROTTLE_RATES (e.g. "anon=60/min,recommend=10/min") overrides any of them.
# `login` counts failed logins per address and `password_change` wrong current passwords per user: a success
# costs nothing. `register` counts every sign-up per address.
DEFAULT_THROTTLE_RATES = {
    "anon": "120/min",
    "user": "1200/min",
    "recommend": "20/min",
    "login": "10/min",
    "register": "20/min",
    "password_change": "10/hour",
    # Password reset mails, per address: enough for a typo and a retry, too few to flood a mailbox.
    "password_reset": "5/hour",
}


def parse_throttle_rates(value: str) -> dict[str, str]:
    """Parse "scope=rate,scope=rate" into a dict, refusing malformed entries loudly at start-up."""
    rates: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        scope, sep, rate = item.partition("=")
        if not sep or not scope.strip() or "/" not in rate:
            raise ImproperlyConfigured(f"THROTTLE_RATES entry {item!r} is not of the form scope=N/period.")
        rates[scope.strip()] = rate.strip()
    return rates


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["users.authentication.FamilyJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["movie_backend.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "movie_backend.pagination.PageLimitPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "movie_backend.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "movie_backend.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "movie_backend.throttling.AnonThrottle",
        "movie_backend.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        **DEFAULT_THROTTLE_RATES,
        **parse_throttle_rates(config("THROTTLE_RATES", default="")),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Proxies in front that append to X-Forwarded-For (e.g. 1 behind an ingress); 0: the client is REMOTE_ADDR.
    # Per-address throttles and the login lockout read the address this way (throttling.client_address).
    "NUM_PROXIES": config("NUM_PROXIES", default=0, cast=int),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Movie Backend API",
    "DESCRIPTION": (
        "Movie discovery and recommendations: a TMDb mirror, accounts with JWT, favorites, interactions, "
        "preferences, and content-based, personalized and natural-language recommendations.\n\n"
        "Authenticate with `POST /api/auth/login/`, then press **Authorize** and paste the `access` token. "
        "Every error answers `{status, code, message, errors}` (the `ErrorEnvelope` component)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "displayOperationId": False},
    # An import's status and the error envelope's both have a field named "status".
    "ENUM_NAME_OVERRIDES": {"ImportStatusEnum": "users.models.Import.Status"},
    "TAGS": [
        {"name": "movies", "description": "The TMDb mirror: lists, search, details."},
        {"name": "search", "description": "Movies, people and collections in one search."},
        {"name": "people", "description": "People: search by name, a person and their filmography."},
        {"name": "collections", "description": "Collections (franchises) and their movies."},
        {"name": "watch providers", "description": "Streaming, rental and retail services by region."},
        {"name": "genres", "description": "Genre list."},
        {"name": "auth", "description": "Register, log in, refresh and log out (JWT)."},
        {"name": "users", "description": "The caller's profile, favorites, interactions and preferences."},
        {
            "name": "recommendations",
            "description": "Similar movies, genre picks, personalized and natural-language recommendations.",
        },
        {"name": "admin", "description": "Staff-only operational endpoints."},
        {"name": "health", "description": "Liveness and readiness."},
    ],
}

# Front ends on a local dev server (create-react-app, Vite, Vue CLI and webpack's defaults) can call `make run`
# (DEBUG) with no setting; otherwise only the origins CORS_ALLOWED_ORIGINS names.
LOCAL_DEV_ORIGINS = [f"http://{host}:{port}" for port in (3000, 5173, 8080) for host in ("localhost", "127.0.0.1")]
CORS_ALLOWED_ORIGINS = config("CORS_ALLOWED_ORIGINS", default=",".join(LOCAL_DEV_ORIGINS) if DEBUG else "", cast=Csv())
# A browser client may send its stable client id and a request id, and read which experiment variant served it.
CORS_ALLOW_HEADERS = (*default_headers, "x-client-id", "x-request-id")
CORS_EXPOSE_HEADERS = ["X-Request-Id", "X-Experiment", "X-Experiment-Variant"]

# --- External services ----------------------------------------------------------------------------

TMDB_API_BASE_URL = config("TMDB_API_BASE_URL", default="https://api.themoviedb.org/3")
TMDB_API_KEY = config("TMDB_API_KEY", default="")
# Where TMDb publishes its daily id exports (movie_ids_MM_DD_YYYY.json.gz), read by `sync_tmdb --all`.
TMDB_EXPORTS_BASE_URL = config("TMDB_EXPORTS_BASE_URL", default="http://files.tmdb.org/p/exports")
TMDB_READ_ACCESS_TOKEN = config("TMDB_READ_ACCESS_TOKEN", default="")
# TMDb's published ceiling is about 40-50 requests/s; stay well below it across all processes.
TMDB_RATE_LIMIT = config("TMDB_RATE_LIMIT", default=20, cast=float)
TMDB_CONNECT_TIMEOUT = config("TMDB_CONNECT_TIMEOUT", default=3.05, cast=float)
TMDB_READ_TIMEOUT = config("TMDB_READ_TIMEOUT", default=10, cast=float)
TMDB_IMAGE_BASE_URL = config("TMDB_IMAGE_BASE_URL", default="https://image.tmdb.org/t/p/")
TMDB_POSTER_SIZE = config("TMDB_POSTER_SIZE", default="w500")
# Circuit breaker: after this many consecutive failures, stop calling TMDb for the cool-down.
TMDB_BREAKER_THRESHOLD = config("TMDB_BREAKER_THRESHOLD", default=5, cast=int)
TMDB_BREAKER_COOLDOWN = config("TMDB_BREAKER_COOLDOWN", default=60, cast=int)
# Details older than this are re-fetched on read and by the refresh job.
TMDB_DETAILS_MAX_AGE = config("TMDB_DETAILS_MAX_AGE", default=7 * 24 * 60 * 60, cast=int)
# The region (ISO 3166-1 alpha-2) whose watch providers a movie's details show when the caller names none.
DEFAULT_REGION = config("DEFAULT_REGION", default="US").strip().upper()
if len(DEFAULT_REGION) != 2 or not DEFAULT_REGION.isalpha():
    raise ImproperlyConfigured(f"DEFAULT_REGION {DEFAULT_REGION!r} is not an ISO 3166-1 alpha-2 code such as US.")
# Only bench/bench_movies.py sets this: a file whose bytes a bare view serves at /api/bench/bare/.
BENCH_BARE_VIEW_BODY = config("BENCH_BARE_VIEW_BODY", default="")

OPENAI_API_KEY = config("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = config("OPENAI_BASE_URL", default="")
OPENAI_MODEL = config("OPENAI_MODEL", default="gpt-5-mini")
# Deadline for the whole LLM step, one retry included.
OPENAI_TIMEOUT = config("OPENAI_TIMEOUT", default=20, cast=float)
# The natural-language prompt (recommendations/prompts/); empty: the current one. `nl-v1` for comparison.
NL_PROMPT_VERSION = config("NL_PROMPT_VERSION", default="")

# --- Operations -----------------------------------------------------------------------------------

# When set, GET /metrics requires "Authorization: Bearer <METRICS_TOKEN>"; unset, it is open (scrape it
# from inside the network, or put it behind the proxy).
METRICS_TOKEN = config("METRICS_TOKEN", default="")
# Usage counters are batched per process for this many seconds, then written to Redis in one pipeline.
USAGE_FLUSH_SECONDS = config("USAGE_FLUSH_SECONDS", default=1.0, cast=float)

# --- Imports, password reset, email ---------------------------------------------------------------

# Largest Letterboxd/IMDb export accepted (bytes, and bytes unpacked for a zip); larger is a 413 envelope.
IMPORT_MAX_BYTES = config("IMPORT_MAX_BYTES", default=20 * 1024 * 1024, cast=int)
# Rows written per transaction; progress (`rows`) is saved after each batch.
IMPORT_BATCH_ROWS = config("IMPORT_BATCH_ROWS", default=500, cast=int)
# The reset link mailed to the user; {uid} and {token} are replaced. Unset: the mail carries uid and token only.
PASSWORD_RESET_URL = config("PASSWORD_RESET_URL", default="")
# Django's email machinery; the console backend (mails printed to stdout) when nothing is set.
EMAIL_BACKEND = config("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = config("EMAIL_FILE_PATH", default="") or str(BASE_DIR / "sent-mail")  # the file backend's folder
EMAIL_HOST = config("EMAIL_HOST", default="localhost")
EMAIL_PORT = config("EMAIL_PORT", default=25, cast=int)
EMAIL_HOST_USER = config("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = config("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = config("EMAIL_USE_TLS", default=False, cast=bool)
EMAIL_TIMEOUT = config("EMAIL_TIMEOUT", default=10, cast=int)
DEFAULT_FROM_EMAIL = config("DEFAULT_FROM_EMAIL", default="no-reply@localhost")
# How long a reset link works (Django's token generator), seconds.
PASSWORD_RESET_TIMEOUT = config("PASSWORD_RESET_TIMEOUT", default=60 * 60, cast=int)

# --- Security -------------------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = config("SECURE_SSL_REDIRECT", default=not DEBUG, cast=bool)
# Health probes come over plain HTTP from the orchestrator, never redirect them.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = config("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000, cast=int)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = config("CSRF_TRUSTED_ORIGINS", default="", cast=Csv())

# Request bodies: anything larger is a 413 envelope before it is parsed (file uploads are not counted).
DATA_UPLOAD_MAX_MEMORY_SIZE = config("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024, cast=int)

# --- I18N, static ---------------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # No manifest: pages render whether or not collectstatic has run.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Logging --------------------------------------------------------------------------------------

LOG_LEVEL = config("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our request log replaces Django's own per-request warnings, which would double every 4xx.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}
