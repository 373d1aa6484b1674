"""Start-up behaviour that depends on the environment, checked in a fresh interpreter each time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from movie_backend.settings import parse_throttle_rates

ROOT = Path(__file__).resolve().parents[2]


def _run_settings(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "THROTTLE_RATES", "SECURE_SSL_REDIRECT"}
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "movie_backend.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; {code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_off_without_secret_key_refuses_to_start():
    result = _run_settings({"DEBUG": "False"}, "print('started')")

    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_on_starts_without_secret_key():
    result = _run_settings({"DEBUG": "True"}, "print('started')")

    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_throttle_rates_from_environment_override_defaults():
    result = _run_settings(
        {"SECRET_KEY": "x" * 60, "THROTTLE_RATES": "anon=7/min, recommend=3/hour"},
        "import json; print(json.dumps(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']))",
    )

    assert result.returncode == 0, result.stderr
    rates = json.loads(result.stdout.strip().splitlines()[-1])
    assert rates["anon"] == "7/min"
    assert rates["recommend"] == "3/hour"
    assert rates["user"] == "1200/min"  # untouched default
    assert rates["login"] == "10/min"


def test_malformed_throttle_rates_are_refused():
    with pytest.raises(Exception, match="scope=N/period"):
        parse_throttle_rates("anon")


def test_debug_off_is_secure_by_default():
    result = _run_settings(
        {"SECRET_KEY": "x" * 60, "DEBUG": "False"},
        "print(settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS > 0)",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True True True"


def test_argon2_is_the_first_password_hasher(settings):
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_deploy_checks_pass_with_a_production_environment():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECURE_SSL_REDIRECT", "DJANGO_SETTINGS_MODULE"}}
    env.update({"SECRET_KEY": "q8Jx-" + "k3v9Zr7Lw2Tn5Pb8Hc4Md6Fs1Gy0Qa" * 2, "DEBUG": "False"})

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


_PREFLIGHT = (
    "from django.test.utils import setup_test_environment; setup_test_environment();"
    "from django.test import Client;"
    "r = Client().options('/api/movies/', HTTP_ORIGIN={origin!r}, HTTP_ACCESS_CONTROL_REQUEST_METHOD='GET');"
    "print('ALLOW=' + str(r.headers.get('Access-Control-Allow-Origin')))"
)


@pytest.mark.parametrize(
    "origin",
    ["http://localhost:3000", "http://localhost:5173", "http://localhost:8080", "http://127.0.0.1:5173"],
)
def test_debug_lets_a_local_dev_server_call_the_api(origin):
    result = _run_settings({"DEBUG": "True"}, _PREFLIGHT.format(origin=origin))

    assert result.returncode == 0, result.stderr
    assert f"ALLOW={origin}" in result.stdout


def test_debug_does_not_open_cors_to_any_other_origin():
    result = _run_settings({"DEBUG": "True"}, _PREFLIGHT.format(origin="http://evil.example.com"))

    assert result.returncode == 0, result.stderr
    assert "ALLOW=None" in result.stdout


@pytest.mark.parametrize(("origin", "allowed"), [("http://localhost:5173", False), ("https://app.example.com", True)])
def test_without_debug_only_the_named_origins_are_allowed(origin, allowed):
    env = {"SECRET_KEY": "x" * 60, "DEBUG": "False", "SECURE_SSL_REDIRECT": "False"}
    result = _run_settings({**env, "CORS_ALLOWED_ORIGINS": "https://app.example.com"}, _PREFLIGHT.format(origin=origin))

    assert result.returncode == 0, result.stderr
    assert (f"ALLOW={origin}" if allowed else "ALLOW=None") in result.stdout
