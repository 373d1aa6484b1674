# The two commands: `make run` serves the API with the bundled catalog; `make test` runs every check.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run test lint format migrate worker beat bench eval fuzz screenshot clean

help:
	@echo "make run     serve http://$(HOST):$(PORT) (Swagger at /api/docs/) with the bundled catalog"
	@echo "make test    ruff, migrations check, schema validation and pytest"
	@echo "make lint    ruff check and format check"
	@echo "make worker  Celery worker (needs REDIS_URL); make beat: the scheduler"
	@echo "make bench   benchmarks (bench/; BENCH=warm or BENCH=search for one); make eval: offline recommendation quality (BENCH=nl: natural language)"
	@echo "make fuzz    schemathesis against a throwaway server (FUZZ_MAX_EXAMPLES, FUZZ_MAX_TIME bound it)"

# The venv is rebuilt only when a requirements file changes; a second run starts fast.
$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_demo_catalog --if-empty
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(VENV)/bin/pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

worker: $(VENV)/.installed
	$(VENV)/bin/celery -A movie_backend worker --loglevel=INFO

beat: $(VENV)/.installed
	$(VENV)/bin/celery -A movie_backend beat --loglevel=INFO

bench: $(VENV)/.installed-dev
	$(PY) bench/run.py

# schemathesis on every operation of /api/schema/ with a JWT, against its own gunicorn on 127.0.0.1.
fuzz: $(VENV)/.installed-dev
	$(PY) bench/fuzz.py

# Offline quality on MovieLens; the run is also stored for GET /api/admin/model-performance/ (same database as make run).
# make eval BENCH=nl: the natural-language query set against the fallback and a scripted model (bench/eval_nl.py).
eval: $(VENV)/.installed-dev
ifeq ($(BENCH),nl)
	$(PY) bench/eval_nl.py
else
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput -v0
	DEBUG=$${DEBUG:-1} $(PY) manage.py evaluate_recommendations
endif

# Swagger UI in headless chromium (apt-get install chromium): renders, lists every tag, Authorize works.
screenshot: $(VENV)/.installed-dev
	$(PIP) install --quiet --disable-pip-version-check -r requirements-browser.txt
	$(PY) scripts/check_swagger_ui.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
