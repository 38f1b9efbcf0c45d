"""The one settings module, driven by environment variables.

With nothing set it runs *embedded*: SQLite, Celery tasks in-process, files on local disk, the
built-in CA and TSA. Production sets ``ECONTRACT_DEPLOYMENT=production`` plus ``DATABASE_URL``,
``CELERY_BROKER_URL``, ``DJANGO_SECRET_KEY`` and a real CA/TSA; see README.md for the full list.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from econtract.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ECONTRACT_VAR_DIR", str(BASE_DIR / "var")))

DEPLOYMENT = env_str("ECONTRACT_DEPLOYMENT", "development")
if DEPLOYMENT not in {"development", "production"}:
    raise ImproperlyConfigured("ECONTRACT_DEPLOYMENT must be 'development' or 'production'")
PRODUCTION = DEPLOYMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production")


def _development_secret_key() -> str:
    # A per-checkout random key kept under var/ (git-ignored): nothing secret lives in the repo,
    # and sessions survive a restart of `make run`.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = env_secret("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) is required")
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Public origin used in certificates (OCSP/CRL/CA issuer URLs) and links in e-mails.
PUBLIC_BASE_URL = env_str("ECONTRACT_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_celery_beat",
    "axes",
    # The kernel (DESIGN.md §1).
    "econtract.api",
    "econtract.parties",
    "econtract.evidence",
    "econtract.notifications",
    "econtract.pki",
    "econtract.localca",
    "econtract.contracts",
    "econtract.organizations",
    "econtract.supervision",
    "econtract.signing_engine",  # batch signing's models (issue 16)
    "econtract.recovery",
    "econtract.conformance",  # manage.py conformance (issue 18)
    # The five business processes.
    "registration",
    "authentication",
    "signing",
    "retrieval",
    "auxiliary",
    "auxiliary.contract_changes",
    "auxiliary.bulk_send",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files (pdf.js's worker among them) carry the policy too.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "econtract.permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Chinese by default whatever Accept-Language says; the language cookie still decides.
    "econtract.parties.middleware.IgnoreAcceptLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # templates/404.html instead of Django's technical page when DEBUG is on (make run, make dev).
    "econtract.parties.not_found.FriendlyNotFoundMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A member acting for an organisation (the header's switch).
    "econtract.organizations.middleware.ActingForMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "econtract.api.idempotency.IdempotencyMiddleware",
    # Last, as django-axes documents: it turns lock-outs into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "econtract.urls"
WSGI_APPLICATION = "econtract.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "econtract.organizations.middleware.header_choices",
                # The header's to-do count and the compact onboarding stepper.
                "registration.context_processors.header",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_secret("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: WAL lets the in-process worker read while a request writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
else:  # PostgreSQL: JIT spent 100-130 ms compiling list counts that run in less (bench/query_list)
    _DB_OPTIONS = DATABASES["default"].setdefault("OPTIONS", {})
    _DB_OPTIONS["options"] = f"{_DB_OPTIONS.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = env_secret("CELERY_BROKER_URL")
# Without a broker, tasks run in-process (the embedded default); with one, a worker runs them.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# The outbox sweeper (econtract/recovery): how often it looks, and how late work must be before
# it counts as stalled (its task never ran or died) and is queued again.
RECOVERY_SWEEP_SECONDS = env_int("RECOVERY_SWEEP_SECONDS", 60)
RECOVERY_GRACE_SECONDS = env_int("RECOVERY_GRACE_SECONDS", 120)
RECOVERY_SOURCES = [
    "signing.recovery.unsealed_contracts",
    "auxiliary.contract_changes.recovery.unsealed_changes",
    "econtract.notifications.recovery.undelivered_notices",
    "econtract.supervision.recovery.unsent_webhooks",
    "authentication.recovery.stalled_checks",
    "auxiliary.bulk_send.recovery.stalled_batches",
    "econtract.contracts.retention.locks_due",
]
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"


def _every(task: str, interval: timedelta) -> dict[str, object]:
    """A beat entry: run ``task`` every ``interval``."""
    return {"task": task, "schedule": interval}


CELERY_BEAT_SCHEDULE = {
    "evidence-anchor-head": _every(
        "econtract.evidence.tasks.anchor_evidence_head",
        timedelta(minutes=env_int("EVIDENCE_ANCHOR_MINUTES", 10)),
    ),
    "evidence-verify-chain": _every(
        "econtract.evidence.tasks.verify_evidence_chain",
        timedelta(minutes=env_int("EVIDENCE_VERIFY_MINUTES", 10)),
    ),
    "notifications-find-overdue": _every(
        "econtract.notifications.tasks.find_overdue_deadlines", timedelta(minutes=1)
    ),
    "recovery-sweep-stalled-work": _every(
        "econtract.recovery.tasks.sweep_stalled_work", timedelta(seconds=RECOVERY_SWEEP_SECONDS)
    ),
    "parties-purge-expired-secrets": _every(
        "econtract.parties.tasks.purge_expired_one_time_secrets", timedelta(days=1)
    ),
    "api-purge-idempotency-records": _every(
        "econtract.api.tasks.purge_idempotency_records", timedelta(hours=1)
    ),
    "signing-expire-overdue-contracts": _every(
        "signing.tasks.expire_overdue_contracts", timedelta(minutes=1)
    ),
    "contracts-refresh-document-reports": _every(
        "econtract.contracts.tasks.refresh_document_reports", timedelta(hours=1)
    ),
    "auxiliary-close-unanswered": _every(
        "auxiliary.tasks.close_unanswered_requests", timedelta(minutes=1)
    ),
    "signing-send-reminders": _every("signing.tasks.send_signing_reminders", timedelta(minutes=10)),
    # A termination agreed for a later date takes effect on that date (Asia/Shanghai).
    "contract-changes-terminate-on-effective-date": _every(
        "auxiliary.contract_changes.tasks.terminate_on_effective_date", timedelta(minutes=10)
    ),
}

# --- Accounts and security -------------------------------------------------------------------
AUTH_USER_MODEL = "parties.User"
AUTHENTICATION_BACKENDS = [
    # First, as django-axes requires: it refuses a locked-out login before any other backend.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no start-up banner on every manage.py command
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# The API answers a lock-out with its error JSON, pages with the template above.
AXES_LOCKOUT_CALLABLE = "econtract.parties.lockout.lockout_response"
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (Django's ContentSecurityPolicyMiddleware). The browser holds the
# parties' signing keys: non-extractable, but usable by any script running in the page, so no
# script runs but our own files — no inline script, no eval. Inline <style> blocks carry the
# request's nonce. pdf.js runs its worker from our static files and compiles its image decoders
# from wasm ('wasm-unsafe-eval' allows that and nothing else); it draws pages with data: and
# blob: images. Enforced in production; in development it only reports (ECONTRACT_CSP:
# enforce, report-only or off; the tests enforce it, so every page is tested under it).
CONTENT_SECURITY_POLICY = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.WASM_UNSAFE_EVAL],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "worker-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
_CSP_MODE = env_str("ECONTRACT_CSP", "enforce" if PRODUCTION else "report-only")
if _CSP_MODE not in ("enforce", "report-only", "off"):
    raise ImproperlyConfigured("ECONTRACT_CSP must be enforce, report-only or off")
SECURE_CSP = CONTENT_SECURITY_POLICY if _CSP_MODE == "enforce" else {}
SECURE_CSP_REPORT_ONLY = CONTENT_SECURITY_POLICY if _CSP_MODE == "report-only" else {}
# Features no page of ours uses are off for every page (and anything injected into one).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), payment=(), usb=(), serial=(), bluetooth=()"
)

if PRODUCTION:
    # T4.3 "establish an encrypted channel": production runs only over HTTPS.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Health checks come over plain HTTP from the orchestrator, inside the network; the
    # built-in CA's OCSP, CRL and TSA are plain-HTTP protocols whose answers are signed
    # (RFC 5280, 6960, 3161), fetched by relying parties and our own workers.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$", r"^pki/"]

# Upload limits: a request body above this is refused before a view sees it.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media files ------------------------------------------------------------------
STATIC_URL = "/static/"
# Overridable so a container image can hold collected files outside the VAR_DIR volume.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
# WhiteNoise serves STATIC_ROOT and warns while it does not exist (before collectstatic).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's own, plus acting for an organisation (X-Econtract-Acting-For).
        "econtract.organizations.acting_api.ActingTokenAuthentication",
        "econtract.organizations.acting_api.ActingSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "econtract.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "econtract.api.schema.PlatformAutoSchema",
    "EXCEPTION_HANDLER": "econtract.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "60/min"),
        "user": env_str("THROTTLE_USER", "1200/min"),
        "login": env_str("THROTTLE_LOGIN", "10/min"),
        "signup": env_str("THROTTLE_SIGNUP", "10/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "econtract API",
    "DESCRIPTION": "Third-party electronic contract service platform (GB/T 36298). "
    "Errors are JSON {code, detail, fields}; POSTs honour Idempotency-Key.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind" or "state"; each choice set gets its own component name.
    "ENUM_NAME_OVERRIDES": {
        "PartyKindEnum": "econtract.parties.models.Party.Kind",
        "RegistrationStateEnum": "registration.models.RegistrationApplication.State",
        "RegistrationMaterialKindEnum": "registration.models.Material.Kind",
        "SupervisionEventTypeEnum": "econtract.supervision.models.EventType",
        "IdentityChangeStateEnum": "auxiliary.models.IdentityChange.State",
        "IdentityChangeMaterialKindEnum": "auxiliary.models.IdentityChangeMaterial.Kind",
        "CancellationStateEnum": "auxiliary.models.Cancellation.State",
        "ContractStateEnum": "econtract.contracts.models.Contract.State",
        "AccessGrantStateEnum": "econtract.contracts.models.AccessGrant.State",
        "InvitationStateEnum": "econtract.organizations.models.Invitation.State",
        "MembershipStateEnum": "econtract.organizations.models.Membership.State",
        "SealKindEnum": "econtract.organizations.models.Seal.Kind",
        "SealSourceEnum": "econtract.organizations.models.Seal.Source",
        "SealStateEnum": "econtract.organizations.models.Seal.State",
        "SealAuthorizationStateEnum": "econtract.organizations.models.SealAuthorization.State",
        "MemberCertificateRequestStateEnum": (
            "econtract.organizations.models.MemberCertificateRequest.State"
        ),
    },
}
IDEMPOTENCY_TTL = timedelta(hours=env_int("IDEMPOTENCY_TTL_HOURS", 24))
# How long a retry waits for the first request with its Idempotency-Key before a 409.
IDEMPOTENCY_WAIT_SECONDS = float(env_str("IDEMPOTENCY_WAIT_SECONDS", "10"))

# Throttles and lock-outs count in a shared cache: Redis when configured, memory otherwise.
CACHE_URL = env_secret("CACHE_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- E-mail and SMS --------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "econtract <noreply@econtract.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SMS_BACKEND = env_str("SMS_BACKEND", "econtract.notifications.sms.FileSMSBackend")
SMS_FILE_PATH = VAR_DIR / "sms.jsonl"

# --- PKI: CA, TSA, trust roots, key store ----------------------------------------------------
# "local" = the built-in CA (econtract.localca); production points at a real CA adaptor.
CA_BACKEND = env_str("ECONTRACT_CA_BACKEND", "local")
# CA_BACKEND name -> dotted path of its adaptor (econtract.pki.ca.CertificateAuthority).
CA_ADAPTORS = {"local": "econtract.localca.adaptor.LocalCertificateAuthority"}
ALLOW_LOCAL_CA = env_bool("ECONTRACT_ALLOW_LOCAL_CA", default=not PRODUCTION)
LOCALCA_DIR = VAR_DIR / "localca"
# The TSA the platform uses; empty = the built-in TSA at PUBLIC_BASE_URL/pki/tsa.
TSA_URL = env_str("TSA_URL") or f"{PUBLIC_BASE_URL}/pki/tsa"
TSA_POLICY_OID = env_str("TSA_POLICY_OID", "1.3.6.1.4.1.61337.1.1")
TSA_ACCURACY_SECONDS = env_int("TSA_ACCURACY_SECONDS", 1)
TSA_TIMEOUT_SECONDS = env_int("TSA_TIMEOUT_SECONDS", 10)
OCSP_TIMEOUT_SECONDS = env_int("OCSP_TIMEOUT_SECONDS", 10)
# PEM files of the roots certificates must chain to; by default the built-in CA's root.
TRUST_ROOTS = env_list(
    "ECONTRACT_TRUST_ROOTS",
    default=[str(LOCALCA_DIR / "root.pem")] if CA_BACKEND == "local" else [],
)
# Where platform keys live: file:///dir (embedded default) or pkcs11:... (production).
KEYSTORE_URL = env_str("ECONTRACT_KEYSTORE_URL", f"file://{VAR_DIR / 'keys'}")
KEYSTORE_PASSPHRASE = env_secret("ECONTRACT_KEYSTORE_PASSPHRASE")
# The token's user PIN when KEYSTORE_URL is pkcs11:token=...?module-path=... (never in the URL).
PKCS11_PIN = env_secret("ECONTRACT_PKCS11_PIN")
# The platform seal (服务组签名, X7): its key's name in the key store, its certificate and the
# issuing CAs (PEM files). By default the built-in CA's seal; the signing app reads only these,
# never econtract.localca, so a real CA's seal certificate is a configuration change.
PLATFORM_SEAL_KEY_NAME = env_str("ECONTRACT_SEAL_KEY_NAME", "platform-seal")
PLATFORM_SEAL_CERTIFICATE = env_str("ECONTRACT_SEAL_CERTIFICATE", str(LOCALCA_DIR / "seal.pem"))
PLATFORM_SEAL_CHAIN = env_str("ECONTRACT_SEAL_CHAIN", str(LOCALCA_DIR / "intermediate.pem"))
# CRL files (DER or PEM) handed to the seal's validation for CAs whose distribution points
# cannot be reached from the platform; normally empty (fetched online).
PLATFORM_SEAL_EXTRA_CRLS = env_list("ECONTRACT_SEAL_EXTRA_CRLS", default=[])

if PRODUCTION and CA_BACKEND == "local" and not ALLOW_LOCAL_CA:
    raise ImproperlyConfigured(
        "The built-in CA/TSA is for development and tests. Configure a real CA "
        "(ECONTRACT_CA_BACKEND, ECONTRACT_TRUST_ROOTS, TSA_URL) or set "
        "ECONTRACT_ALLOW_LOCAL_CA=1 to run it knowingly."
    )

# --- Personal data ---------------------------------------------------------------------------
# 32 random bytes, base64: encrypts ID numbers at rest (econtract/privacy.py). Required in
# production; development derives one from SECRET_KEY.
DATA_ENCRYPTION_KEY = env_secret("ECONTRACT_DATA_KEY")
if PRODUCTION and not DATA_ENCRYPTION_KEY:
    raise ImproperlyConfigured("ECONTRACT_DATA_KEY (or ECONTRACT_DATA_KEY_FILE) is required")

# --- Identity authentication (§8) --------------------------------------------------------------
# How long a successful authentication opens signing, query, download and the §11 processes.
AUTHENTICATION_VALIDITY = timedelta(minutes=env_int("AUTHENTICATION_VALIDITY_MINUTES", 120))
AUTHENTICATION_NONCE_TTL = timedelta(minutes=10)
# An OCSP/CRL responder that does not answer is asked again this many times, with backoff,
# before its check ends "unavailable" (never "pass").
AUTHENTICATION_CHECK_RETRIES = env_int("AUTHENTICATION_CHECK_RETRIES", 3)
AUTHENTICATION_CHECK_BACKOFF_SECONDS = float(env_str("AUTHENTICATION_CHECK_BACKOFF_SECONDS", "5"))

# --- Evidence, notices, retention ------------------------------------------------------------
NOTIFICATION_MAX_RETRIES = env_int("NOTIFICATION_MAX_RETRIES", 5)
# First retry delay of a failed e-mail/SMS; each further retry waits twice as long.
NOTIFICATION_RETRY_BACKOFF_SECONDS = float(env_str("NOTIFICATION_RETRY_BACKOFF_SECONDS", "30"))
RETENTION_YEARS_AFTER_CONTRACT_END = env_int("RETENTION_YEARS", 5)
# Security logs (SMS codes and certificate challenges with their failed tries) are kept this long.
SECURITY_LOG_RETENTION_DAYS = env_int("SECURITY_LOG_RETENTION_DAYS", 183)

# --- Registration (§7) -----------------------------------------------------------------------
# Largest accepted registration material (PDF/JPEG/PNG), and how long the review may take.
REGISTRATION_MATERIAL_MAX_BYTES = env_int("REGISTRATION_MATERIAL_MAX_BYTES", 10 * 1024 * 1024)
REGISTRATION_REVIEW_DAYS = env_int("REGISTRATION_REVIEW_DAYS", 3)

# --- Identity change and cancellation (§11.1, §11.2) -------------------------------------------
# How long the material review may take (X9), and how long a counterparty has to answer whether
# it continues performing / whether its contracts are finished: no answer by then counts as no.
IDENTITY_CHANGE_REVIEW_DAYS = env_int("IDENTITY_CHANGE_REVIEW_DAYS", 3)
IDENTITY_CHANGE_CONSENT_DAYS = env_int("IDENTITY_CHANGE_CONSENT_DAYS", 7)
CANCELLATION_CONFIRMATION_DAYS = env_int("CANCELLATION_CONFIRMATION_DAYS", 7)

# --- Contracts (§9) ----------------------------------------------------------------------------
# X9: how long a party may wait for the next signature, and for the sealed contract after the
# last one, before it is told that nothing arrived (never past the signing deadline).
SIGNING_TURN_WAIT = timedelta(hours=env_int("SIGNING_TURN_WAIT_HOURS", 72))
SIGNING_SEAL_WAIT = timedelta(minutes=env_int("SIGNING_SEAL_WAIT_MINUTES", 30))
# §9.1 auxiliary signature: every signer confirms an SMS code bound to the document's hash
# (otherwise each signer may ask for it).
SIGNING_REQUIRE_SMS_CONFIRMATION = env_bool("SIGNING_REQUIRE_SMS_CONFIRMATION", False)
# Reminders to sign (催签, X16; signing/reminders.py): the party whose turn it is is reminded
# first this long after its turn began, then at the interval, the last time this long before the
# deadline, never after it. The offeror may send one by hand at most once per period per contract.
SIGNING_REMINDERS_AUTOMATIC = env_bool("SIGNING_REMINDERS_AUTOMATIC", True)
SIGNING_REMINDER_FIRST_AFTER = timedelta(hours=env_int("SIGNING_REMINDER_FIRST_AFTER_HOURS", 24))
SIGNING_REMINDER_INTERVAL = timedelta(hours=env_int("SIGNING_REMINDER_INTERVAL_HOURS", 48))
SIGNING_REMINDER_LAST_BEFORE = timedelta(hours=env_int("SIGNING_REMINDER_LAST_BEFORE_HOURS", 24))
SIGNING_REMINDER_BY_HAND_EVERY = timedelta(minutes=env_int("SIGNING_REMINDER_BY_HAND_MINUTES", 60))
# Electronic Signature Law Art. 3: categories that cannot be concluded electronically. A list, so
# an amendment of the law is a settings change (econtract/contracts/categories.py).
CONTRACT_EXCLUDED_CATEGORIES = env_list(
    "CONTRACT_EXCLUDED_CATEGORIES", default=["personal_status", "utility_suspension"]
)
# Contract PDFs are private: outside MEDIA_ROOT, never served from a URL (contracts/storage.py).
CONTRACT_STORAGE_DIR = Path(env_str("CONTRACT_STORAGE_DIR", str(VAR_DIR / "contracts")))
# Or a bucket under Object Lock (contracts/object_store.py); no keys: boto3's chain.
CONTRACT_STORAGE_URL = env_str("ECONTRACT_STORAGE_URL")
STORAGE_ACCESS_KEY_ID = env_secret("AWS_ACCESS_KEY_ID")
STORAGE_SECRET_ACCESS_KEY = env_secret("AWS_SECRET_ACCESS_KEY")
STORAGE_LOCK_YEARS = env_int("ECONTRACT_STORAGE_LOCK_YEARS", 10)
# Witness copies of the evidence anchors, outside the database (econtract/evidence/witness.py).
EVIDENCE_WITNESS_DIR = Path(env_str("EVIDENCE_WITNESS_DIR", str(VAR_DIR / "evidence-witness")))
# The CJK font embedded in rendered contracts (TOOLCHAIN-NOTES.md): shipped with the code
# (econtract/fonts/README.md), so that no system font is needed.
CONTRACT_FONT_PATH = Path(
    env_str("CONTRACT_FONT_PATH", str(BASE_DIR / "econtract" / "fonts" / "wqy-microhei.ttc"))
)
# PDF variant of rendered text contracts: "pdf/a-2b" (archival, signs fine), or "" for plain PDF.
CONTRACT_PDF_VARIANT = env_str("CONTRACT_PDF_VARIANT", "pdf/a-2b")
# Largest uploaded contract PDF the platform will parse.
CONTRACT_DOCUMENT_MAX_BYTES = env_int("CONTRACT_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)

# --- Query and download (§10.1–10.2) -----------------------------------------------------------
# A stored contract's validation report is made once (at its seal) and kept by document hash
# (econtract/contracts/validation.py); beat remakes reports older than this, so revocation data
# and trust-root changes are reflected.
DOCUMENT_REPORT_REFRESH_HOURS = env_int("DOCUMENT_REPORT_REFRESH_HOURS", 24)
# The longest a non-party's access grant (X5) may run.
ACCESS_GRANT_MAX_DAYS = env_int("ACCESS_GRANT_MAX_DAYS", 366)

# --- Verification of uploaded PDFs (§10.3) -------------------------------------------------------
# Uploads are parsed in sandbox child processes (econtract/pki/sandbox.py) with these limits.
VERIFICATION_MAX_BYTES = env_int("VERIFICATION_MAX_BYTES", 20 * 1024 * 1024)
VERIFICATION_MEMORY_MB = env_int("VERIFICATION_MEMORY_MB", 1024)
VERIFICATION_CPU_SECONDS = env_int("VERIFICATION_CPU_SECONDS", 20)
VERIFICATION_WALL_SECONDS = env_int("VERIFICATION_WALL_SECONDS", 60)
# Warm sandbox children per web or Celery worker process.
VERIFICATION_SANDBOXES = env_int("VERIFICATION_SANDBOXES", 2)


# --- Supervision interface (§9.5, X8) and webhooks ---------------------------------------------
def _supervision_webhooks() -> list[dict[str, str]]:
    # The regulators' endpoints, JSON [{"url": ..., "secret": ...}]; they hold secrets, so
    # SUPERVISION_WEBHOOKS_FILE works too.
    try:
        hooks = json.loads(env_secret("SUPERVISION_WEBHOOKS") or "[]")
    except ValueError as exc:
        raise ImproperlyConfigured(f"SUPERVISION_WEBHOOKS is not JSON: {exc}") from exc
    if not isinstance(hooks, list) or not all(
        isinstance(h, dict) and isinstance(h.get("url"), str) and h.get("secret") for h in hooks
    ):
        raise ImproperlyConfigured('SUPERVISION_WEBHOOKS must be [{"url": ..., "secret": ...}]')
    return [{"url": h["url"], "secret": str(h["secret"])} for h in hooks]


SUPERVISION_WEBHOOKS = _supervision_webhooks()
# A failed delivery is retried this many times, waiting the backoff, doubled after each retry.
WEBHOOK_MAX_RETRIES = env_int("WEBHOOK_MAX_RETRIES", 8)
WEBHOOK_RETRY_BACKOFF_SECONDS = float(env_str("WEBHOOK_RETRY_BACKOFF_SECONDS", "30"))
WEBHOOK_TIMEOUT_SECONDS = float(env_str("WEBHOOK_TIMEOUT_SECONDS", "5"))
# SSRF guard (econtract/supervision/targets.py): loopback/private targets only when allowed.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=not PRODUCTION)

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"mask_personal_data": {"()": "econtract.privacy.MaskPersonalDataFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every render step at INFO; its warnings still come through.
    "loggers": {"django.server": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}
