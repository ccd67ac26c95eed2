"""Sanfu settings: every value comes from the environment through ``env`` (strict parsers).

There is one settings module for every deployment; production-safe values are the defaults and
``SANFU_DEBUG=1`` relaxes only what a developer on http://127.0.0.1 needs.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sanfu.config import env

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = Path(env.string("SANFU_HOME", str(Path.cwd())))
VAR_DIR = BASE_DIR / "var"

DEBUG = env.boolean("SANFU_DEBUG", False)

_secret = env.raw("SANFU_SECRET_KEY")
if not _secret:
    if not DEBUG:
        raise env.ConfigError("SANFU_SECRET_KEY (or SANFU_SECRET_KEY_FILE) must be set when SANFU_DEBUG is off")
    _secret = "dev-only-insecure-key-for-sanfu-on-127.0.0.1-never-in-production-0123456789"  # noqa: S105
SECRET_KEY = _secret

ALLOWED_HOSTS = env.string_list("SANFU_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.string_list("SANFU_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "sanfu.web.apps.SanfuAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "huey.contrib.djhuey",
    "ninja",  # its API docs page served from its own static files, not a CDN
    "sanfu.core",
    "sanfu.accounts",
    "sanfu.api",
    "sanfu.org",
    "sanfu.workflow",
    "sanfu.approvals",
    "sanfu.archive",
    "sanfu.documents",
    "sanfu.meetings",
    "sanfu.supervision",
    "sanfu.announcements",
    "sanfu.schedules",
    "sanfu.duty",
    "sanfu.resources",
    "sanfu.suggestions",
    "sanfu.hardship",
    "sanfu.servicedesk",
    "sanfu.insights",
    "sanfu.briefing",
    "sanfu.web",
    "sanfu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sanfu.core.csp.ContentSecurityPolicyMiddleware",  # every response, redirects and errors too
    # Static files from the app server itself (`make run`, one server); nginx serves them in a deployment.
    "sanfu.core.staticfiles.StaticFilesMiddleware",
    "sanfu.core.dbdown.DatabaseUnavailableMiddleware",  # database busy or down: 503 + Retry-After, not a 500
    "sanfu.core.audit.AuditContextMiddleware",  # first: every audit record written below knows the address
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sanfu.core.middleware.ChineseFirstMiddleware",
    "sanfu.core.middleware.MissingFileMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "sanfu.core.badinput.RefuseNulMiddleware",  # a NUL in a query or form: 400 before any view or query
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sanfu.core.middleware.NoStoreMiddleware",
    # Before the session limits: they tell the user why they were signed out.
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sanfu.accounts.middleware.SessionLimitsMiddleware",
    "sanfu.accounts.middleware.LoginRequiredMiddleware",
    "sanfu.accounts.middleware.AccountGateMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sanfu.config.urls"
WSGI_APPLICATION = "sanfu.config.wsgi.application"
ASGI_APPLICATION = "sanfu.config.asgi.application"

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
                "sanfu.web.context_processors.shell",
                "sanfu.accounts.directory.context.sign_in_options",  # the OIDC button on the login page
            ],
        },
    },
]

DATABASES = {
    "default": env.database(env.string("SANFU_DATABASE_URL", f"sqlite:///{VAR_DIR / 'sanfu.sqlite3'}")),
}
# A read replica (deploy/README.md): the read-only pages (reports, search, the efficiency review, exports) read
# from it; every write and every other page stays on the primary. Unset: one database, no router.
SANFU_DATABASE_REPLICA_URL = env.string("SANFU_DATABASE_REPLICA_URL", "")
DATABASE_ROUTERS: list[str] = []
# The pages (URL names, * a wildcard) whose GET reads go to the replica: reports, search, the review, exports.
SANFU_REPLICA_PAGES = env.string_list(
    "SANFU_REPLICA_PAGES",
    [
        "archive:search",
        "archive:catalogue",
        "insights:*",
        "meetings:figures*",
        "servicedesk:figures*",
        "suggestions:adopted_xlsx",
        "resources:*_xlsx",
        "documents:*export",
        "org:directory_export",
        "approvals:*export*",
    ],
)
if SANFU_DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.database(SANFU_DATABASE_REPLICA_URL)
    DATABASE_ROUTERS = ["sanfu.core.dbrouter.ReplicaRouter"]
    MIDDLEWARE.append("sanfu.core.dbrouter.ReplicaPagesMiddleware")

# --- Web server (`sanfu serve`: granian, or gunicorn; deploy/README.md) ---
SANFU_WEB_SERVER = env.string("SANFU_WEB_SERVER", "granian")
SANFU_WEB_BIND = env.string_list("SANFU_WEB_BIND", [env.string("SANFU_ADDR", "127.0.0.1:8000")])
SANFU_WEB_WORKERS = env.integer("SANFU_WEB_WORKERS", 2, minimum=1)  # processes; about one per core
# Threads per process: the requests one process serves at once, each with its own database connection.
SANFU_WEB_THREADS = env.integer("SANFU_WEB_THREADS", 4, minimum=1)
SANFU_WEB_TIMEOUT = env.integer("SANFU_WEB_TIMEOUT", 60, minimum=1)  # gunicorn: seconds before a stuck worker goes
SANFU_WEB_GRACEFUL_TIMEOUT = env.integer("SANFU_WEB_GRACEFUL_TIMEOUT", 20, minimum=1)
SANFU_WEB_MAX_REQUESTS = env.integer("SANFU_WEB_MAX_REQUESTS", 0, minimum=0)  # 0: workers are never recycled
SANFU_WEB_FORWARDED_ALLOW_IPS = env.string_list("SANFU_WEB_FORWARDED_ALLOW_IPS", ["127.0.0.1", "::1"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Passwords (等保 2.0 level 3: complexity and periodic change on by default; see docs/security.md) ---
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
SANFU_PASSWORD_MIN_LENGTH = env.integer("SANFU_PASSWORD_MIN_LENGTH", 10, minimum=8)
SANFU_PASSWORD_COMPLEXITY = env.boolean("SANFU_PASSWORD_COMPLEXITY", True)
SANFU_PASSWORD_MAX_AGE_DAYS = env.integer("SANFU_PASSWORD_MAX_AGE_DAYS", 90, minimum=0)  # 0 = never expires
SANFU_PASSWORD_HISTORY = env.integer("SANFU_PASSWORD_HISTORY", 5, minimum=0)
# Accounts nobody signed in to for this many days are disabled daily (administrators only reported); 0 = off.
SANFU_DORMANT_DAYS = env.integer("SANFU_DORMANT_DAYS", 90, minimum=0)
# Set by `make run`: the demo's well-known accounts are expected (the deploy check refuses them otherwise).
SANFU_DEMO = env.boolean("SANFU_DEMO", False)

# --- 通讯录 (sanfu.org.contacts): whose mobile is shown only to themselves, their secretaries, the office and HR ---
# A rank (org.models.Rank: 10 员工 … 50 公司副职, 60 公司正职); people at or above it have their mobile hidden.
SANFU_DIRECTORY_HIDE_MOBILE_FROM_RANK = env.integer("SANFU_DIRECTORY_HIDE_MOBILE_FROM_RANK", 50, minimum=10)
# The roles (codes) that keep the directory: they see every mobile of their unit and export it (Excel, vCard).
SANFU_DIRECTORY_OFFICE_ROLES = env.string_list("SANFU_DIRECTORY_OFFICE_ROLES", ["clerk", "hr-officer"])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "sanfu.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": SANFU_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "sanfu.accounts.passwords.ComplexityValidator"},
    {"NAME": "sanfu.accounts.passwords.HistoryValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# --- Company directory (docs/directory.md): LDAP and OIDC sign-in, each off until its address is set ---
SANFU_LDAP_URI = env.string("SANFU_LDAP_URI", "")  # ldap://… or ldaps://…; empty: no LDAP, nothing of it imported
SANFU_LDAP_START_TLS = env.boolean("SANFU_LDAP_START_TLS", False)
SANFU_LDAP_BIND_DN = env.string("SANFU_LDAP_BIND_DN", "")
SANFU_LDAP_BIND_PASSWORD = env.string("SANFU_LDAP_BIND_PASSWORD", "")  # or SANFU_LDAP_BIND_PASSWORD_FILE
SANFU_LDAP_USER_BASE = env.string("SANFU_LDAP_USER_BASE", "")
SANFU_LDAP_USER_FILTER = env.string("SANFU_LDAP_USER_FILTER", "(uid=%(user)s)")
SANFU_LDAP_ATTR_USERNAME = env.string("SANFU_LDAP_ATTR_USERNAME", "uid")
SANFU_LDAP_ATTR_FULL_NAME = env.string("SANFU_LDAP_ATTR_FULL_NAME", "cn")
SANFU_LDAP_ATTR_EMAIL = env.string("SANFU_LDAP_ATTR_EMAIL", "mail")
SANFU_LDAP_ATTR_EMPLOYEE_NO = env.string("SANFU_LDAP_ATTR_EMPLOYEE_NO", "employeeNumber")
SANFU_LDAP_ATTR_MOBILE = env.string("SANFU_LDAP_ATTR_MOBILE", "mobile")
SANFU_LDAP_UNIT = env.string("SANFU_LDAP_UNIT", "")  # the unit (code) synced people and OUs belong to
SANFU_LDAP_SYNC_MINUTES = env.integer("SANFU_LDAP_SYNC_MINUTES", 0, minimum=0)  # worker sync; 0 = by hand only
SANFU_OIDC_ISSUER = env.string("SANFU_OIDC_ISSUER", "")  # discovery at <issuer>/.well-known/openid-configuration
SANFU_OIDC_CLIENT_ID = env.string("SANFU_OIDC_CLIENT_ID", "")
SANFU_OIDC_CLIENT_SECRET = env.string("SANFU_OIDC_CLIENT_SECRET", "")  # or SANFU_OIDC_CLIENT_SECRET_FILE
SANFU_OIDC_SCOPES = env.string("SANFU_OIDC_SCOPES", "openid profile email")
SANFU_OIDC_SIGN_ALGO = env.string("SANFU_OIDC_SIGN_ALGO", "RS256")
SANFU_OIDC_MATCH_CLAIM = env.string("SANFU_OIDC_MATCH_CLAIM", "preferred_username")
SANFU_OIDC_MATCH_FIELD = env.string("SANFU_OIDC_MATCH_FIELD", "username")  # or employee_no (org.Staff 工号)
SANFU_OIDC_NAME_CLAIM = env.string("SANFU_OIDC_NAME_CLAIM", "name")
SANFU_OIDC_EMAIL_CLAIM = env.string("SANFU_OIDC_EMAIL_CLAIM", "email")
SANFU_OIDC_CREATE_USERS = env.boolean("SANFU_OIDC_CREATE_USERS", False)
if SANFU_LDAP_URI:
    AUTHENTICATION_BACKENDS.append("sanfu.accounts.directory.ldap.DirectoryLDAPBackend")
if SANFU_OIDC_ISSUER:
    AUTHENTICATION_BACKENDS.append("sanfu.accounts.directory.oidc.DirectoryOIDCBackend")

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# --- Lockout (django-axes 8): every value set explicitly; the defaults lock by IP only, forever ---
AXES_ENABLED = env.boolean("SANFU_LOCKOUT_ENABLED", True)
AXES_FAILURE_LIMIT = env.integer("SANFU_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("SANFU_LOCKOUT_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts made while locked out neither count nor restart the cool-off: the lock ends a fixed time after
# it began (axes' default restarts it on every attempt, so a user retrying stays locked indefinitely).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCK_OUT_AT_FAILURE = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_HANDLER = "sanfu.accounts.lockout.SanfuAxesHandler"  # + a per-address throttle (see that module)
SANFU_LOCKOUT_ADDRESS_FAILURES = env.integer("SANFU_LOCKOUT_ADDRESS_FAILURES", 50, minimum=5)
AXES_LOCKOUT_CALLABLE = "sanfu.accounts.views.locked_out"
SANFU_PROXY_COUNT = env.integer("SANFU_PROXY_COUNT", 0, minimum=0)  # trusted reverse proxies in front
AXES_CLIENT_IP_CALLABLE = "sanfu.core.audit.client_ip"  # lockout and the audit trail name the same address
AXES_VERBOSE = False

# --- Sessions: idle and absolute limits (Django has neither by itself) ---
SANFU_SESSION_IDLE_MINUTES = env.integer("SANFU_SESSION_IDLE_MINUTES", 30, minimum=1)
SANFU_SESSION_ABSOLUTE_HOURS = env.integer("SANFU_SESSION_ABSOLUTE_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = SANFU_SESSION_ABSOLUTE_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "sanfu_session"
CSRF_COOKIE_NAME = "sanfu_csrf"

# --- Second factor: required for the three administrators ---
SANFU_ADMIN_REQUIRE_OTP = env.boolean("SANFU_ADMIN_REQUIRE_OTP", True)
OTP_TOTP_ISSUER = "Sanfu 三服"

# --- Transport security (all on unless SANFU_DEBUG, or SANFU_HTTPS=0 for a local demo on plain HTTP) ---
_secure = env.boolean("SANFU_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = env.boolean("SANFU_SSL_REDIRECT", _secure)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.boolean("SANFU_BEHIND_PROXY", False) else None
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
SECURE_HSTS_SECONDS = env.integer("SANFU_HSTS_SECONDS", 31536000 if _secure else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _secure
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # HSTS preload is a per-site decision, off by default

# --- Language: Chinese first, English second ---
LANGUAGE_CODE = "zh-hans"
SANFU_BROWSER_LANGUAGE = env.boolean("SANFU_BROWSER_LANGUAGE", False)
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["sanfu.config.formats"]  # money grouped by thousands in Chinese too
USE_I18N = True
TIME_ZONE = env.string("SANFU_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- Static files: front-end packages come from npm (node_modules), never committed ---
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
_NODE = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/bootstrap", _NODE / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", _NODE / "bootstrap-icons" / "font"),
    ("vendor/htmx", _NODE / "htmx.org" / "dist"),
    ("vendor/alpinejs", _NODE / "alpinejs" / "dist"),
    ("vendor/echarts", _NODE / "echarts" / "dist"),
]
STATICFILES_DIRS = [(prefix, path) for prefix, path in STATICFILES_DIRS if path.is_dir()]
# WhiteNoise: the collected files (var/static), or the app and npm folders when `collectstatic` has not run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

# --- Mail ---
EMAIL_HOST = env.string("SANFU_EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("SANFU_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env.string("SANFU_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env.string("SANFU_EMAIL_PASSWORD", "")
EMAIL_USE_SSL = env.boolean("SANFU_EMAIL_SSL", False)
# Mail to a server on another machine goes encrypted (STARTTLS) unless told otherwise; SSL excludes it.
EMAIL_USE_TLS = env.boolean(
    "SANFU_EMAIL_TLS", EMAIL_HOST.strip().lower() not in {"localhost", "127.0.0.1", "::1", ""} and not EMAIL_USE_SSL
)
DEFAULT_FROM_EMAIL = env.string("SANFU_EMAIL_FROM", "sanfu@localhost")
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if env.boolean("SANFU_EMAIL_CONSOLE", DEBUG)
    else "django.core.mail.backends.smtp.EmailBackend"
)

# --- Worker: Huey on SQLite by default, Redis when SANFU_REDIS_URL is set ---
SANFU_REDIS_URL = env.string("SANFU_REDIS_URL", "")
HUEY: dict[str, object]
if SANFU_REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": env.string("SANFU_QUEUE_NAME", "sanfu"),  # several Sanfus on one Redis: a name each
        "url": SANFU_REDIS_URL,
        "immediate": False,
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # Huey opens its SQLite queue file here at start-up
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "sanfu",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
    }
HUEY["consumer"] = {"workers": env.integer("SANFU_WORKERS", 2, minimum=1), "worker_type": "thread"}

# --- Audit trail: records are chained with HMAC-SHA256 under a key of its own, kept outside the database ---
_audit_key = env.raw("SANFU_AUDIT_KEY")
if not _audit_key:
    if not DEBUG:
        raise env.ConfigError("SANFU_AUDIT_KEY (or SANFU_AUDIT_KEY_FILE) must be set when SANFU_DEBUG is off")
    _audit_key = "dev-only-audit-key-for-sanfu-on-127.0.0.1-never-in-production"
SANFU_AUDIT_KEY = _audit_key
# The chain's head, signed, is appended here periodically (and logged), so that deleting the newest records
# is detected: put it on other storage than the database's (or ship the log line to a syslog server).
SANFU_AUDIT_ANCHOR_FILE = Path(env.string("SANFU_AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit-anchors.jsonl")))
SANFU_AUDIT_ANCHOR_MINUTES = env.integer("SANFU_AUDIT_ANCHOR_MINUTES", 10, minimum=1)

# --- REST API (/api/v1/…): its OpenAPI document and docs page are off in production unless turned on ---
SANFU_API_DOCS = env.boolean("SANFU_API_DOCS", DEBUG)
SANFU_API_TOKEN_MAX_DAYS = env.integer("SANFU_API_TOKEN_MAX_DAYS", 365, minimum=1)
# Records are kept at least this long (等保 2.0: six months); `sanfu audit purge` removes only older ones.
SANFU_AUDIT_RETENTION_DAYS = env.integer("SANFU_AUDIT_RETENTION_DAYS", 180, minimum=180)

# --- 签发 digests of 发文: HMAC-SHA256 under a key of their own, outside the database (checked on every export) ---
_signing_key = env.raw("SANFU_SIGNING_KEY")
if not _signing_key:
    if not DEBUG:
        raise env.ConfigError("SANFU_SIGNING_KEY (or SANFU_SIGNING_KEY_FILE) must be set when SANFU_DEBUG is off")
    _signing_key = "dev-only-signing-key-for-sanfu-on-127.0.0.1-never-in-production"
SANFU_SIGNING_KEY = _signing_key

# --- Fields encrypted at rest (mobile numbers; sanfu.core.crypto): AES-GCM keys outside the database, newest first ---
_field_key = env.raw("SANFU_FIELD_KEY")
if not _field_key:
    if not DEBUG:
        raise env.ConfigError("SANFU_FIELD_KEY (or SANFU_FIELD_KEY_FILE) must be set when SANFU_DEBUG is off")
    _field_key = "dev-only-field-key-for-sanfu-on-127.0.0.1-never-in-production"
SANFU_FIELD_KEY = _field_key

SANFU_ORG_NAME = env.string("SANFU_ORG_NAME", "")  # shown in the header; empty: the person's own unit
SANFU_BASE_URL = env.string("SANFU_BASE_URL", "")  # e.g. https://oa.example.com, for links in mails

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.string("SANFU_LOG_LEVEL", "INFO")},
    # WeasyPrint reports every rendering step at INFO ("Step 5 - Creating layout"): only its warnings matter.
    "loggers": {
        "axes": {"level": "WARNING"},
        "huey": {"level": "INFO", "propagate": False},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
