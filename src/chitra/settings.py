"""Django settings. Values come from :mod:`chitra.config`; defaults are safe for production."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from chitra.config import CONFIG

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = CONFIG.var_dir

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "chitra.core",
    "chitra.access",
    "chitra.registry",
    "chitra.payments",
    "chitra.verification",
    "chitra.outreach",
    "chitra.reporting",
    "chitra.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chitra.web.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "chitra.web.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "chitra.urls"
WSGI_APPLICATION = "chitra.wsgi.application"

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
                "chitra.web.context.navigation",
            ],
        },
    },
]

_db = dj_database_url.parse(CONFIG.database_url, conn_max_age=60)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids
    # lock-upgrade deadlocks between them.
    _db["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"),
        "transaction_mode": "IMMEDIATE",
    }
    _db["CONN_MAX_AGE"] = 0
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}


def without_jit(db: dj_database_url.DBConfig) -> dj_database_url.DBConfig:
    """A PostgreSQL database's connections without JIT, which compiles a query whose
    estimated cost passes a threshold: a ward's worklist or funnel (a few index lookups for
    each of thousands of people) ran in 0.1–0.2 s and took 1 s more to compile (3.4 M
    people, a year of items)."""
    if db["ENGINE"] == "django.db.backends.postgresql":
        options = db.setdefault("OPTIONS", {})  # keeps what the URL said (?options=…)
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return db


DATABASES = {"default": without_jit(_db)}
if CONFIG.replica_database_url:
    # Reports and dashboards read here (chitra.core.dbrouting); tests mirror the primary.
    DATABASES["replica"] = without_jit(
        dj_database_url.parse(CONFIG.replica_database_url, conn_max_age=60))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["chitra.core.dbrouting.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "access.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failures: a username after AXES_FAILURE_LIMIT from any address, an
# address after LOGIN_IP_FAILURE_LIMIT over all usernames (chitra.access.lockout).
AXES_FAILURE_LIMIT = CONFIG.login_failure_limit
LOGIN_IP_FAILURE_LIMIT = CONFIG.login_ip_failure_limit
CHITRA_JOB_TIME_LIMIT = CONFIG.job_time_limit
CHITRA_POPULATION_URL = CONFIG.population_url
CHITRA_POPULATION_TOKEN = CONFIG.population_token
CHITRA_POPULATION_SIMULATOR = CONFIG.population_simulator
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_HANDLER = "chitra.access.lockout.UserOrAddressLockout"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
# The client's address for the lockout and the audit log: the peer, or behind PROXY_COUNT
# reverse proxies the one they put in X-Forwarded-For (never a client-supplied entry).
PROXY_COUNT = CONFIG.proxy_count
AXES_CLIENT_IP_CALLABLE = "chitra.access.lockout.client_ip"
# axes warns when the address is not a lockout parameter; the handler above throttles by
# address itself, with its own larger limit (tests/security/test_login_and_headers.py).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "web" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(VAR_DIR / "media")}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Safe defaults: secure cookies, HSTS-ready headers, strict CSP with local assets only.
SESSION_COOKIE_SECURE = CONFIG.secure_cookies
CSRF_COOKIE_SECURE = CONFIG.secure_cookies
CSRF_FAILURE_VIEW = "chitra.web.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind TLS: HSTS, the proxy's scheme header, redirect to https (all off by default: the
# demo runs on plain http).
SECURE_HSTS_SECONDS = CONFIG.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = CONFIG.hsts_include_subdomains
SECURE_PROXY_SSL_HEADER = CONFIG.proxy_ssl_header
SECURE_SSL_REDIRECT = CONFIG.ssl_redirect
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    },
}

# The office's signing key and certificate (PKCS#12). `chitra make_demo_keystore` makes one.
KEYSTORE_PATH = CONFIG.keystore_path
KEYSTORE_PASSWORD = CONFIG.keystore_password

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO" if not DEBUG else "DEBUG"},
}
