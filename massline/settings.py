"""massline settings: everything comes from environment variables, with safe defaults.

Zero configuration gives an embedded SQLite database in MASSLINE_DATA_DIR. Bad values fail
loudly at start-up instead of silently falling back.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from massline.config import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("MASSLINE_DATA_DIR", str(Path.cwd() / ".massline"))).resolve()


def _secret_key() -> str:
    """Use MASSLINE_SECRET_KEY if given; otherwise keep a generated one in the data directory."""
    configured = env_str("MASSLINE_SECRET_KEY", "")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("MASSLINE_DEBUG", False)
ALLOWED_HOSTS = env_list("MASSLINE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "massline",
    "massline.organization",
    "massline.people",
    "massline.struggles",
    "massline.conversations",
    "massline.ideas",
    "massline.audit",
    "massline.rounds",
    "massline.consultations",
    "massline.idempotency",
    "massline.sections",
    "massline.aid",
    "massline.study",
    "massline.assemblies",
    "massline.exchange",
    "massline.api",
    "massline.field",
    "massline.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "massline.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # last, as django-axes asks: it turns a lockout into the "too many attempts" page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "massline.urls"
WSGI_APPLICATION = "massline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "massline.web.context.navigation",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'massline.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL we understand: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while a long import writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organization.Member"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my_work"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # gzip and brotli copies made at collectstatic (massline serve runs it), served by WhiteNoise
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Sessions end after SESSION_COOKIE_AGE seconds (12 hours) or when the browser closes,
# whichever comes first: a phone picked up later is not still logged in.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True  # pages send the token from the template, never from the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# MASSLINE_HTTPS=1: served over HTTPS by a reverse proxy in front of `massline serve` (which
# listens on 127.0.0.1 only). The proxy must set X-Forwarded-Proto and X-Forwarded-For.
HTTPS = env_bool("MASSLINE_HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SESSION_COOKIE_NAME = "__Host-sessionid"  # only ever sent back over HTTPS to this host
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("MASSLINE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy: our own scripts, styles and images only; nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Login throttling (django-axes): after MASSLINE_LOGIN_FAILURES failed attempts for one
# account from one address, that pair is locked out for MASSLINE_LOGIN_COOLOFF_MINUTES.
# Addresses are stored only as a keyed hash (massline.accounts.throttle), successful logins
# are not logged, and failed attempts are deleted once their cool-off has passed.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("MASSLINE_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("MASSLINE_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "massline.accounts.throttle.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Two-factor authentication (django-otp, TOTP) for every member who can see more than their
# own unit (massline.accounts.two_factor.needs_two_factor). Tests switch it off except where
# they test it; there is no environment variable to switch it off in production.
MASSLINE_REQUIRE_TWO_FACTOR = True
OTP_TOTP_ISSUER = "massline"

# Background jobs (theme suggestions). "database" queues them for the worker that
# `massline serve` starts; "immediate" runs them inside the request (no worker needed).
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_tasks_backend = env_str("TASKS_BACKEND", "database")
if _tasks_backend not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {_tasks_backend!r}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_tasks_backend]}}

# Days without a conversation after which a person counts as "not spoken with lately".
TIES_STALE_DAYS = env_int("TIES_STALE_DAYS", 30)

# The audit of reads (massline/audit). The key for the digests of client networks and search
# text; without MASSLINE_AUDIT_KEY it is derived from SECRET_KEY. Keep it out of the database
# (and its backups) so a seized copy of the log cannot be matched to networks or searches.
MASSLINE_AUDIT = True  # not an environment variable: only the benchmark turns it off
MASSLINE_AUDIT_KEY = env_str("MASSLINE_AUDIT_KEY", "")
# A CLI export of more people than this (or --all) needs a second member's approval.
MASSLINE_EXPORT_APPROVAL_OVER = env_int("MASSLINE_EXPORT_APPROVAL_OVER", 50)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
