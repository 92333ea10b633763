"""Tepat settings, read from the environment (see docs/operations.md).

Defaults give a safe local instance on SQLite in `./.tepat/`. Production sets
TEPAT_ENV=production, which turns on every HTTPS and cookie protection and refuses to start
without a real SECRET_KEY and a real TEPAT_MFA_KEY.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from tepat.lib.env import (
    SettingError,
    env_bool,
    env_header,
    env_int,
    env_list,
    env_networks,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(env_str("TEPAT_HOME", str(Path.cwd() / ".tepat"))).resolve()

ENVIRONMENT = env_str("TEPAT_ENV", "development")
if ENVIRONMENT not in {"development", "production", "test"}:
    raise SettingError(f"TEPAT_ENV={ENVIRONMENT!r} must be development, production or test")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
_DEV_KEY = "tepat-development-key-not-for-production-use-0123456789abcdefghijklmnop"
SECRET_KEY = env_str("SECRET_KEY", None if PRODUCTION else _DEV_KEY)
if PRODUCTION and (SECRET_KEY == _DEV_KEY or len(SECRET_KEY) < 50):
    raise SettingError("SECRET_KEY must be a random string of at least 50 characters in production")
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "axes",
    "tepat.accounts",
    "tepat.audit",
    "tepat.regions",
    "tepat.registry",
    "tepat.verification",
    "tepat.gesek",
    "tepat.interventions",
    "tepat.indicators",
    "tepat.reports",
    "tepat.history",
    "tepat.linkage",
    "tepat.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tepat.web.middleware.ChosenLanguageMiddleware",  # Indonesian unless the user chose
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session timeouts, the two-factor guard, the two-step login
    "tepat.web.middleware.SessionSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tepat.urls"
WSGI_APPLICATION = "tepat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

_DATABASE_URL = env_str("DATABASE_URL", "")
if not _DATABASE_URL:  # the embedded default: SQLite in the instance folder
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    _DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'tepat.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {"NAME": env_str("TEPAT_TEST_DB_NAME", "") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling (docs/authz.md): a user name is locked from one client address after
# LOGIN_FAILURE_LIMIT failures there; an address or a name with more failures than its wide
# limit (over all names / all addresses) gets one try per pair. Never a lock-out of everyone.
AXES_HANDLER = "tepat.accounts.throttling.PairThrottleHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
TEPAT_LOGIN_ADDRESS_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
TEPAT_LOGIN_USERNAME_LIMIT = env_int("LOGIN_USERNAME_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client address: REMOTE_ADDR, unless the peer is one of these reverse proxies (addresses
# or CIDR blocks); then the right-most address of TEPAT_PROXY_HEADER that is not one of them.
TEPAT_TRUSTED_PROXIES = env_networks("TEPAT_TRUSTED_PROXIES", [])
TEPAT_PROXY_HEADER = env_header("TEPAT_PROXY_HEADER", "X-Forwarded-For")
AXES_CLIENT_IP_CALLABLE = "tepat.accounts.throttling.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "web/lockout.html"
LOGIN_URL = "login"
# Two-factor authentication (TOTP, RFC 6238): required for these roles (comma-separated role
# values; empty = optional for everybody), optional for the others.
TEPAT_MFA_REQUIRED_ROLES = env_list(
    "TEPAT_MFA_REQUIRED_ROLES", ["admin_kabupaten", "operator_kecamatan"]
)
TEPAT_MFA_ISSUER = env_str("TEPAT_MFA_ISSUER", "Tepat Kab. Probolinggo")
TEPAT_MFA_FAILURE_LIMIT = env_int("TEPAT_MFA_FAILURE_LIMIT", 5)  # wrong codes, then locked
TEPAT_MFA_LOCK_SECONDS = env_int("TEPAT_MFA_LOCK_SECONDS", 15 * 60)
TEPAT_MFA_PENDING_SECONDS = env_int("TEPAT_MFA_PENDING_SECONDS", 5 * 60)  # password → code
# Key that encrypts the TOTP secrets at rest, apart from SECRET_KEY: rotating SECRET_KEY changes
# nothing for two-factor. Required in production; elsewhere, when empty, a key made once and
# kept in TEPAT_HOME/mfa.key (tepat.accounts.mfa.current_key). Old keys go in the fallbacks
# (comma-separated): secrets under them still open, and are re-encrypted at their next use.
TEPAT_MFA_KEY = env_str("TEPAT_MFA_KEY", None if PRODUCTION else "")
if PRODUCTION and (len(TEPAT_MFA_KEY) < 50 or TEPAT_MFA_KEY == SECRET_KEY):
    raise SettingError(
        "TEPAT_MFA_KEY must be a random string of at least 50 characters in production, "
        "other than SECRET_KEY"
    )
TEPAT_MFA_KEY_FALLBACKS = env_list("TEPAT_MFA_KEY_FALLBACKS", [])
LOGIN_REDIRECT_URL = "home"  # each role's first page (tepat.web.views.home)
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = INSTANCE_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = INSTANCE_DIR / "media"
IMPORT_DIR = INSTANCE_DIR / "imports"
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MB", 200) * 1024 * 1024
# An uploaded or imported .xlsx is parsed in a child process with these limits (address space
# in MB, seconds per answer); a hostile file ends the child, not the server (pipeline/workbook.py).
PARSE_MEMORY_MB = env_int("PARSE_MEMORY_MB", 4096)
PARSE_TIMEOUT_SECONDS = env_int("PARSE_TIMEOUT_SECONDS", 300)
if PARSE_MEMORY_MB < 1024 or PARSE_TIMEOUT_SECONDS < 1:
    raise SettingError("PARSE_MEMORY_MB must be at least 1024 and PARSE_TIMEOUT_SECONDS at least 1")
# Uploaded images (house photos, berita acara scans, visit photos) above this many pixels are
# refused before they are decoded (a 15 KB PNG can declare 10,900 × 10,900 pixels).
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 60_000_000)
# Check that every write service writes its audit events (tests turn it on; see audit.services)
TEPAT_CHECK_AUDIT = env_bool("TEPAT_CHECK_AUDIT", False)
# Check that every query on personal data is scoped by area or opts out with a reason: raise
# (tests) or log a warning (off, production: a missed path must not break a page). See
# registry/scoping.py.
TEPAT_STRICT_SCOPING = env_bool("TEPAT_STRICT_SCOPING", False)
# An import on another host that shows no progress for this long is taken for dead.
IMPORT_STALE_SECONDS = env_int("IMPORT_STALE_SECONDS", 900)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

SESSION_COOKIE_AGE = env_int("SESSION_MAX_SECONDS", 12 * 3600)  # absolute timeout
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)  # idle timeout
# Role/area changes and personal-data exports ask for the password (and code) again after this.
SESSION_REAUTH_SECONDS = env_int("SESSION_REAUTH_SECONDS", 10 * 60)
# NIK/KK reveals per user in any sliding hour and 24 hours (0: no limit on that window),
# counted from the access log. A desa operator checking KTPs in the field needs a few an hour;
# the limit stops a session copying the registry (60 reveals in 5 s before issue 16).
TEPAT_REVEAL_LIMIT_PER_HOUR = env_int("TEPAT_REVEAL_LIMIT_PER_HOUR", 30, minimum=0)
TEPAT_REVEAL_LIMIT_PER_DAY = env_int("TEPAT_REVEAL_LIMIT_PER_DAY", 100, minimum=0)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (403) is one line (user, method, path, reason), not a traceback
    "filters": {"one_line_forbidden": {"()": "tepat.web.logfilters.OneLineForbidden"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"filters": ["one_line_forbidden"]},
        # WeasyPrint reports every rendering step at INFO; fontTools every subset table
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
