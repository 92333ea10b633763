"""Security headers on every kind of page, no-store on personal data, and the production
settings (`tepat check --deploy`: 0 warnings, HSTS and secure cookies on)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

WHY = {"jenis_tujuan": "pemeriksaan"}  # the purpose from the list (issue 16 §6)

MALESANWETAN = "35.13.20.2001"
PRODUCTION_ENV = {
    "TEPAT_ENV": "production",
    "SECRET_KEY": "x7#kP2@vQ9!mZ4$wL8^rT1&yB6*nC3(dF5)gH0_jK2-sA9+eU7=iO4~pR1",
    "TEPAT_MFA_KEY": "Qm8tV3xN0pL6sR2wY9cJ4hF7kD1gZ5bT8nM3vX6qA0eU2iO9rW4yS7uP1lK5jH8",
    "ALLOWED_HOSTS": "tepat.probolinggokab.go.id",
}


def _csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def _assert_security_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy")
    assert csp, "no Content-Security-Policy"
    directives = _csp_directives(csp)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts is not None and "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("name", ["login", "dashboard", "families", "account"])
def test_pages_carry_the_security_headers(users, registry, name):
    client = Client()
    if name != "login":
        client.force_login(users.operator_desa)
    response = client.get(reverse(name))
    assert response.status_code == 200
    _assert_security_headers(response)


def test_the_error_pages_carry_them_too(client_for, registry):
    _assert_security_headers(client_for("pimpinan").get(reverse("families")))  # 403
    _assert_security_headers(client_for("operator_desa").get(
        reverse("family_detail", args=[999_999])))  # 404


@pytest.mark.parametrize("page", ["families", "family_detail", "worklist", "family_reveal"])
def test_pages_with_personal_data_are_never_cached(client_for, registry, campaign, page):
    client = client_for("operator_desa")
    family = registry.families[MALESANWETAN][0]
    if page == "family_reveal":
        response = client.post(reverse(page, args=[family.pk]),
                               {**WHY, "tujuan": "Uji cache halaman"})
    elif page == "family_detail":
        response = client.get(reverse(page, args=[family.pk]))
    else:
        response = client.get(reverse(page))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    _assert_security_headers(response)


def test_the_second_factor_pages_are_never_cached(users, settings):
    settings.TEPAT_MFA_REQUIRED_ROLES = ["admin_kabupaten"]
    client = Client()
    client.post(reverse("login"), {"username": "admin", "password": "uji-tepat-2026!"})
    response = client.get(reverse("mfa_enrol"))  # the secret is on this page
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    _assert_security_headers(response)


def _run(*args: str, tmp_path, code: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
           and not k.startswith(("TEPAT_MFA_", "SESSION_"))}  # the defaults are under test
    env.update(PRODUCTION_ENV)
    env.update({"TEPAT_HOME": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/t.db"})
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "tepat.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_production_passes_check_deploy_with_no_warning(tmp_path):
    result = _run("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_turns_on_hsts_secure_cookies_and_the_session_limits(tmp_path):
    code = (
        "import django, json; from django.conf import settings as s; django.setup(); "
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SECURE_SSL_REDIRECT, s.SESSION_IDLE_SECONDS, s.SESSION_COOKIE_AGE, "
        "s.TEPAT_MFA_REQUIRED_ROLES]))"
    )
    result = _run(tmp_path=tmp_path, code=f"import os; os.environ.setdefault("
                  f"'DJANGO_SETTINGS_MODULE', 'tepat.settings'); {code}")
    assert result.returncode == 0, result.stderr
    import json

    hsts, subdomains, session_secure, csrf_secure, httponly, ssl, idle, absolute, mfa = (
        json.loads(result.stdout.strip().splitlines()[-1]))
    assert hsts >= 31536000 and subdomains and ssl
    assert session_secure and csrf_secure and httponly
    assert idle == 30 * 60 and absolute == 12 * 3600
    assert mfa == ["admin_kabupaten", "operator_kecamatan"]
