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
    # django.contrib.admin, opened to superusers only (massline.access.may_use_admin)
    "massline.people.admin_site.MasslineAdminConfig",
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
    # the visibility rule's inputs (memberships, cadre bodies) read once per request
    "massline.access.RememberForRequest",
    # the visitor's language (cookie, then Accept-Language); then a member's own choice
    "django.middleware.locale.LocaleMiddleware",
    "massline.sections.middleware.MemberLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # logging out answers with Clear-Site-Data and ends the phones of that session
    "massline.field.middleware.ClearSiteDataOnLogout",
    # members' pages stay out of the browser's disk cache (names and phones in clear)
    "massline.field.middleware.PrivatePages",
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
else:
    # Pages ask many short queries; PostgreSQL's JIT compiler spent more time compiling them
    # than it saved (the ties page at a million people: 0.43 s of SQL with it, 0.29 s without).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
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
# The people's languages (massline/locale). Arabic is written right to left.
LANGUAGES = [("en", "English"), ("es", "Español"), ("ar", "العربية")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
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

# Mutual aid (massline/aid): recipients' contact details are purged this many days after a
# request closes unless they consented to stay in touch; volunteer-load warnings fire at this
# many times the others' average hours, and after this many weeks in a row without a week off.
MASSLINE_AID_RETENTION_DAYS = env_int("MASSLINE_AID_RETENTION_DAYS", 30)
MASSLINE_AID_FAR_ABOVE = env_int("MASSLINE_AID_FAR_ABOVE", 2)
MASSLINE_AID_NO_WEEK_OFF = env_int("MASSLINE_AID_NO_WEEK_OFF", 6)

# The field app (massline/field): a list taken into the field is wiped from the phone this
# many hours after it was prepared, unless prepared again before.
MASSLINE_FIELD_LIST_HOURS = env_int("MASSLINE_FIELD_LIST_HOURS", 48)

# Study (massline/study): uploaded readings (PDF/EPUB) are kept here, outside any static path,
# and served only to the study group's members; uploads above the size limit are refused.
STUDY_READINGS_DIR = DATA_DIR / "readings"
STUDY_READING_MAX_BYTES = env_int("MASSLINE_READING_MAX_MB", 50) * 1024 * 1024
# A member counts as needing support after this many days without a conversation or a study.
STUDY_QUIET_DAYS = env_int("MASSLINE_STUDY_QUIET_DAYS", 30)
STUDY_NO_STUDY_DAYS = env_int("MASSLINE_STUDY_NO_STUDY_DAYS", 90)

# Imports, texting exports and webhooks (massline/exchange). Phones without a country code are
# read as numbers of this region (ISO 3166 code) and stored in E.164.
MASSLINE_PHONE_REGION = env_str("MASSLINE_PHONE_REGION", "US").upper()
MASSLINE_IMPORT_MAX_BYTES = env_int("MASSLINE_IMPORT_MAX_MB", 20) * 1024 * 1024
# A webhook endpoint that has failed every delivery for this many days is switched off.
MASSLINE_WEBHOOK_DISABLE_AFTER_DAYS = env_int("MASSLINE_WEBHOOK_DISABLE_AFTER_DAYS", 3)
# Webhooks to private, loopback or link-local addresses are refused unless this is set.
MASSLINE_WEBHOOK_ALLOW_PRIVATE = env_bool("MASSLINE_WEBHOOK_ALLOW_PRIVATE", False)
MASSLINE_WEBHOOK_TIMEOUT = env_int("MASSLINE_WEBHOOK_TIMEOUT", 10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# The REST API (massline.api): personal tokens or a logged-in session, JSON only, a body of
# at most MASSLINE_API_MAX_BODY bytes; the OpenAPI schema at /api/schema/, docs at /api/docs/.
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar"]
MASSLINE_API_MAX_BODY = env_int("MASSLINE_API_MAX_BODY", 256 * 1024)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "massline.api.authentication.TokenAuthentication",
        "massline.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["massline.api.permissions.MemberWithScope"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "massline.api.pagination.Pages",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "massline.api.exceptions.handle",
    "DEFAULT_VERSIONING_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "massline API",
    "DESCRIPTION": (
        "People, places, units, struggles, assessments, conversations, ideas, follow-ups, "
        "rounds, lines, receptions and actions, as the token's member sees them. Send a "
        "personal token (made on /api/tokens/) as `Authorization: Bearer <token>`. Updates "
        "are PATCHes with `If-Match: <ETag>`; POSTs accept an `Idempotency-Key`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["massline.api.permissions.MemberWithScope"],
}
