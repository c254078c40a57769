"""Hotline settings: one module, configured by environment variables (see README, "Configuration")."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HOTLINE_DATA_DIR", BASE_DIR / "var"))


def check_writable_folder(folder: Path, what: str) -> None:
    """Make ``folder`` if need be and prove that we can write in it; else stop with a message that
    names the folder and what to do (not a traceback from the first SQLite file opened there)."""
    from django.core.exceptions import ImproperlyConfigured

    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"Hotline cannot write in its {what} {folder} ({exc.strerror or exc}). Create the folder and "
            f"give the user running Hotline ({_user()}) write access to it, or point HOTLINE_DATA_DIR "
            f"(or QUEUE_URL for the queue file) to a writable folder."
        ) from None


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, OSError):
        return "?"


check_writable_folder(DATA_DIR, "data folder (HOTLINE_DATA_DIR)")


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data directory."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        private_file(path).write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def private_file(path: Path) -> Path:
    """Create ``path`` readable and writable by its owner only (or make an existing one so): the
    database, the queue, the outbox log and the secret key hold personal data or secrets."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_RDONLY, 0o600))
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    except OSError:
        pass  # not ours to change: whatever opens it next reports the problem
    return path


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # the API docs from its own static files (its CDN page has an inline script)
    "huey.contrib.djhuey",
    "axes",
    "hotline.core",
    "hotline.org",
    "hotline.customers",
    "hotline.workorders",
    "hotline.calls",
    "hotline.notify",
    "hotline.outages",
    "hotline.integrations",
    "hotline.shifts",
    "hotline.knowledge",
    "hotline.reports",
    "hotline.demo",  # seed_demo, serve (make run)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hotline.core.middleware.ConsoleLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hotline.core.middleware.ConsoleLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "hotline.core.middleware.RequestInputGuardMiddleware",
    "hotline.core.middleware.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a refused login into the throttled answer
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "hotline" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "config.context_processors.console",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
# SQLite (WAL) is the embedded default; DATABASE_URL=postgres://... for production.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'hotline.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if (name := str(DATABASES["default"].get("NAME") or "")) and name != ":memory:" and not name.startswith("file:"):
        # SQLite gives its -wal and -shm files the database file's permissions.
        private_file(Path(name))
    # Connections are kept like PostgreSQL's (opening one runs the PRAGMAs below: a third of a small
    # request's time); each web thread and the worker have their own.
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the worker read while one of them writes; a page cache of up to
        # 200 MB and memory-mapped reads keep a million-account database (~0.7 GB) mostly in memory;
        # IMMEDIATE transactions take the write lock up front instead of failing mid-transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA cache_size=-200000; PRAGMA mmap_size=1073741824; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["TEST"] = {"TEMPLATE": "template0", "CHARSET": "UTF8"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Logins ---------------------------------------------------------------------------------------
# Every login path (console, admin) is throttled by django-axes (hotline/org/throttle.py): failures
# are counted per (user name, address) and per address; at a limit the next attempt waits
# LOGIN_DELAY_SECONDS after the last failure, doubled by every further failure up to
# LOGIN_DELAY_MAX_SECONDS. Failures are forgotten LOGIN_FAILURE_MEMORY_SECONDS after the last one.
# The per-address limit does not hold back a name that logged in from that address within
# LOGIN_KNOWN_ADDRESS_DAYS (a call centre behind one NAT address).
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "30"))
LOGIN_DELAY_SECONDS = int(os.environ.get("LOGIN_DELAY_SECONDS", "60"))
LOGIN_DELAY_MAX_SECONDS = int(os.environ.get("LOGIN_DELAY_MAX_SECONDS", "3600"))
LOGIN_FAILURE_MEMORY_SECONDS = int(os.environ.get("LOGIN_FAILURE_MEMORY_SECONDS", "86400"))
LOGIN_KNOWN_ADDRESS_DAYS = int(os.environ.get("LOGIN_KNOWN_ADDRESS_DAYS", "30"))
# Reverse proxies (addresses or networks, e.g. 10.0.0.5,10.1.0.0/16) whose X-Forwarded-For is believed;
# from anyone else the client's address is REMOTE_ADDR and the header is ignored.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a throttled attempt before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "hotline.org.throttle.LoginThrottle"
# [["username", "ip_address"], "ip_address"], without the address alone for a name known there.
AXES_LOCKOUT_PARAMETERS = "hotline.org.throttle.lockout_parameters"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT  # per (user name, address); the address limit is the handler's
AXES_COOLOFF_TIME = "hotline.org.throttle.cool_off"  # the client's current wait: it grows
AXES_RESET_ON_SUCCESS = True  # that name's failures from that address
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # an attempt refused while waiting is not counted
AXES_USERNAME_CALLABLE = "hotline.org.throttle.username_key"
# The client's address from REMOTE_ADDR and, only from TRUSTED_PROXIES, X-Forwarded-For. (Axes's
# ipware settings are not used: ipware checks the proxies named in the header, not the peer.)
AXES_CLIENT_IP_CALLABLE = "hotline.org.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "hotline.org.throttle.lockout_response"

# --- Language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "hotline" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "hotline" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
WHITENOISE_USE_FINDERS = DEBUG
# Files served at the site's root: /favicon.ico, which browsers ask for on every page without a link.
WHITENOISE_ROOT = BASE_DIR / "hotline" / "static" / "root"
# Uploads (photos, billing imports) are personal data: readable by the server's user only. Media are
# only ever served by the views that check who may see them (config/urls.py), in every mode.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# An XLSX billing import may unpack to at most this much (its zip members' sizes are checked before it
# is parsed): a workbook is parsed in memory cell by cell, and one huge cell would take the worker's.
IMPORT_XLSX_MAX_UNCOMPRESSED = int(os.environ.get("IMPORT_XLSX_MAX_MB", "300")) * 1024 * 1024

# --- Task queue (Huey) ----------------------------------------------------------------------------
# Default: a SQLite file next to the database (no extra server; jobs survive restarts).
# QUEUE_URL=redis://host:6379/0 moves the queue to Redis for more than one app server.
QUEUE_URL = os.environ.get("QUEUE_URL", "")
if QUEUE_URL.startswith("redis"):
    # QUEUE_NAME keeps apart installations (or test runs) that share one Redis database.
    HUEY = {"huey_class": "huey.PriorityRedisHuey", "name": os.environ.get("QUEUE_NAME", "hotline"), "url": QUEUE_URL,
            "immediate": False}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "hotline",
        "filename": QUEUE_URL.removeprefix("sqlite:///") or str(DATA_DIR / "queue.sqlite3"),
        "immediate": env_bool("QUEUE_IMMEDIATE", False),
    }
if HUEY["huey_class"] == "huey.SqliteHuey" and HUEY["filename"] != ":memory:":
    check_writable_folder(Path(HUEY["filename"]).parent, "queue folder")
if HUEY["huey_class"] == "huey.SqliteHuey" and HUEY["filename"] != ":memory:":
    Path(HUEY["filename"]).parent.mkdir(parents=True, exist_ok=True)
    private_file(Path(HUEY["filename"]))
HUEY["consumer"] = {"workers": int(os.environ.get("QUEUE_WORKERS", "2")), "worker_type": "thread"}
TASK_LEASE_SECONDS = float(os.environ.get("TASK_LEASE_SECONDS", "60"))  # a killed worker's task lease expires then

# --- Notifications (outbox) ------------------------------------------------------------------------
# How messages sign and where they send the public: the company's name, the hotline number, and the
# address the public outage page is reached at.
COMPANY_NAME = os.environ.get("COMPANY_NAME", "清源水务")
HOTLINE_PHONE = os.environ.get("HOTLINE_PHONE", "96889")
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Without SMS_GATEWAY_URL messages are written to OUTBOX_LOG (one JSON line each) instead of sent.
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_KEY = os.environ.get("SMS_GATEWAY_KEY", "")
SMS_GATEWAY_SECRET = os.environ.get("SMS_GATEWAY_SECRET", "")
SMS_GATEWAY_TIMEOUT = float(os.environ.get("SMS_GATEWAY_TIMEOUT", "10"))
OUTBOX_LOG = os.environ.get("OUTBOX_LOG", str(DATA_DIR / "outbox.log"))
OUTBOX_BATCH = int(os.environ.get("OUTBOX_BATCH", "200"))  # messages a worker claims at a time
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))  # then the message is failed
OUTBOX_DELIVER_ON_COMMIT = True  # queue a delivery when a transaction that wrote messages commits
OUTBOX_CLAIM_SECONDS = int(os.environ.get("OUTBOX_CLAIM_SECONDS", "120"))  # a killed worker's claim expires
# Who receives the notice of an outage that affects fire hydrants (消防救援); blank: none is sent,
# the coordinator's screen says to phone them.
FIRE_RESCUE_PHONE = os.environ.get("FIRE_RESCUE_PHONE", "")

# --- integrations ---------------------------------------------------------------------------------
# A PBX and the 12345 platform authenticate with an API token of a user of their role, or sign their
# requests (core/signing.py) with a shared secret and act as the named user.
CTI_SECRET = os.environ.get("CTI_SECRET", "")
CTI_USER = os.environ.get("CTI_USER", "pbx")
# How the console names the PBX's queues (the events carry the PBX's code): "code=name,code=name"; a queue
# not named here shows its code. "hotline" (the simulator's and the demo's queue) has a translated default.
CTI_QUEUE_NAMES = dict(pair.split("=", 1) for pair in os.environ.get("CTI_QUEUE_NAMES", "").split(",") if "=" in pair)
# A call whose hangup never arrives stops showing as ringing, or as in conversation, after this long
# (the call panel's banner; the worker's sweep marks it ended), or as soon as the PBX reports its
# seat answering another call.
CTI_RINGING_TIMEOUT_SECONDS = int(os.environ.get("CTI_RINGING_TIMEOUT_SECONDS", "180"))
CTI_CALL_TIMEOUT_SECONDS = int(os.environ.get("CTI_CALL_TIMEOUT_SECONDS", "3600"))
GOV12345_INBOUND_SECRET = os.environ.get("GOV12345_INBOUND_SECRET", "")
GOV12345_USER = os.environ.get("GOV12345_USER", "gov12345")
# Where replies to the 12345 platform go (sign-for, return, extension, the final reply); without a
# URL they wait in the outbox as failed-to-send ("not configured") until one is set.
GOV12345_URL = os.environ.get("GOV12345_URL", "")
GOV12345_KEY = os.environ.get("GOV12345_KEY", "")
GOV12345_SECRET = os.environ.get("GOV12345_SECRET", "")
GOV12345_TIMEOUT = float(os.environ.get("GOV12345_TIMEOUT", "10"))

# --- Security -------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Behind HTTPS (see README, "Configuration"): redirect plain HTTP (the health check stays reachable for
# a load balancer), and tell browsers to use HTTPS only. SECURE_PROXY_SSL_HEADER: a reverse proxy that
# ends TLS says so in X-Forwarded-Proto (set it only when the proxy always sets or strips that header).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 12 * 3600  # one shift and a half
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response (Django's middleware; a view may set its own, as the
# attachment download does). Scripts only from our own static files: no inline script, no inline event
# handlers, no eval (htmx runs with allowEval off, hotline/static/hotline/console.js binds the
# behaviour). Styles allow 'unsafe-inline': the templates size bars and boxes with style attributes,
# ECharts' tooltips, Bootstrap's and htmx's transitions and Swagger UI set inline styles, and the admin's
# change list has an inline <style>; a style cannot run script, and data: images are Bootstrap's
# icons in its CSS.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # httpx logs every request at INFO: one line per SMS sent.
    "loggers": {"django.db.backends": {"level": "INFO"}, "httpx": {"level": "WARNING"},
                "httpcore": {"level": "WARNING"}},
}

# --- Work orders ----------------------------------------------------------------------------------
# Working hours for SLA deadlines in working time (工作时间), local time, comma-separated periods.
WORKING_HOURS = os.environ.get("WORKING_HOURS", "08:30-12:00,13:00-17:30")
# A reminder (督办提醒) goes out when this share of the time to a deadline is left.
SLA_REMINDER_SHARE = float(os.environ.get("SLA_REMINDER_SHARE", "0.2"))
# Escalation to the unit head after this many working days overdue.
SLA_ESCALATE_AFTER_WORKING_DAYS = int(os.environ.get("SLA_ESCALATE_AFTER_WORKING_DAYS", "5"))
# The callback (回访): due this long after resolution (SPEC.md §4: 1 working day); a customer not
# reached is tried CALLBACK_TRIES times in all, spread evenly over CALLBACK_RETRY_SPAN, and the order is
# then closed as not reached (未联系上).
CALLBACK_LIMIT = os.environ.get("CALLBACK_LIMIT", "1wd")
CALLBACK_TRIES = int(os.environ.get("CALLBACK_TRIES", "3"))
CALLBACK_RETRY_SPAN = os.environ.get("CALLBACK_RETRY_SPAN", "2wd")
# SLA pause (挂起): the reasons (workorders.models.PauseReason) a rule approves at once, without the shift
# lead; the others wait for the shift lead's decision. Comma-separated codes; empty: the lead decides all.
SLA_PAUSE_AUTO_APPROVE = [c.strip() for c in os.environ.get("SLA_PAUSE_AUTO_APPROVE", "no_access").split(",")
                          if c.strip()]
# A 12345 case keeps the platform's received time; the time it reached us is shown beside it when the two
# differ by more than this many minutes.
RECEIVED_SKEW_MINUTES = int(os.environ.get("RECEIVED_SKEW_MINUTES", "5"))
# Handing a shift over more than this many minutes before it ends asks for a reason.
HANDOVER_EARLY_MINUTES = int(os.environ.get("HANDOVER_EARLY_MINUTES", "30"))
# How long a process trusts a checked API token (a revocation is seen at once by the process that
# made it, by the others within this many seconds).
API_TOKEN_CACHE_SECONDS = float(os.environ.get("API_TOKEN_CACHE_SECONDS", "10"))
# How long a process keeps subjects, SLA and assignment rules, holidays and units before reading them
# again (an edit is seen at once by the process that made it); 0 reads them on every use.
REFERENCE_CACHE_SECONDS = float(os.environ.get("REFERENCE_CACHE_SECONDS", "30"))
