"""Settings come from the environment; production passes Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PRODUCTION_ENV = {
    "TEPAT_ENV": "production",
    "SECRET_KEY": "x7#kP2@vQ9!mZ4$wL8^rT1&yB6*nC3(dF5)gH0_jK2-sA9+eU7=iO4~pR1",
    "TEPAT_MFA_KEY": "Qm8tV3xN0pL6sR2wY9cJ4hF7kD1gZ5bT8nM3vX6qA0eU2iO9rW4yS7uP1lK5jH8",
    "ALLOWED_HOSTS": "tepat.probolinggokab.go.id",
}


def _environment(env: dict[str, str], tmp_path) -> dict[str, str]:
    """This process's environment with an instance of its own in tmp_path, plus `env`."""
    full_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    full_env.update({"TEPAT_HOME": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/t.db"})
    full_env.update(env)
    return full_env


def _tepat(*args: str, env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tepat.cli", *args],
        env=_environment(env, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_with_no_warnings(tmp_path):
    result = _tepat(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _tepat("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_a_two_factor_key(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "TEPAT_MFA_KEY"}
    result = _tepat("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "TEPAT_MFA_KEY must be set" in result.stderr
    assert not (tmp_path / "mfa.key").exists()  # no key made up in production


@pytest.mark.parametrize(
    "weak", ["short-key-of-forty-characters-0123456789", PRODUCTION_ENV["SECRET_KEY"]],
    ids=["too short", "same as SECRET_KEY"],
)
def test_production_refuses_a_weak_two_factor_key(tmp_path, weak):
    result = _tepat("check", env={**PRODUCTION_ENV, "TEPAT_MFA_KEY": weak}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "TEPAT_MFA_KEY must be a random string of at least 50 characters" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("IMPORT_MAX_MB", "lots", "IMPORT_MAX_MB='lots' is not an integer"),
        ("TEPAT_ENV", "staging", "TEPAT_ENV='staging' must be development, production or test"),
        ("PARSE_MEMORY_MB", "512", "PARSE_MEMORY_MB must be at least 1024"),
        ("PARSE_TIMEOUT_SECONDS", "soon", "PARSE_TIMEOUT_SECONDS='soon' is not an integer"),
        ("IMAGE_MAX_PIXELS", "big", "IMAGE_MAX_PIXELS='big' is not an integer"),
    ],
)
def test_a_malformed_setting_stops_the_start_with_its_name(tmp_path, name, value, message):
    result = _tepat("check", env={name: value}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr


def test_the_wsgi_application_freezes_what_the_process_keeps_for_its_life(tmp_path):
    """A full garbage collection of a web worker must not walk Django, Plotly and the app's
    modules (figures in tepat/wsgi.py's docstring): they are frozen once the views are
    imported, and the application still answers."""
    script = (
        "import gc, sys\n"
        "import tepat.wsgi\n"
        "assert 'tepat.web.views.dashboard' in sys.modules, 'views not imported before freeze'\n"
        "frozen = gc.get_freeze_count()\n"
        "from django.test import Client\n"
        "status = Client().get('/masuk/').status_code\n"
        "print(frozen, status)\n"
    )
    env = _environment({"DJANGO_SETTINGS_MODULE": "tepat.settings"}, tmp_path)
    migrate = _tepat("migrate", "-v", "0", env={}, tmp_path=tmp_path)
    assert migrate.returncode == 0, migrate.stderr
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    frozen, status = (int(x) for x in result.stdout.split())
    assert frozen > 50_000
    assert status == 200


def test_the_parse_limits_of_the_settings_are_the_ones_every_reader_uses(settings):
    from tepat.pipeline.workbook import default_limits

    limits = default_limits()
    assert limits.memory_mb == settings.PARSE_MEMORY_MB
    assert limits.timeout_seconds == settings.PARSE_TIMEOUT_SECONDS
