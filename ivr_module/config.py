"""Settings: safe defaults, the environment, and the checks a production start must pass."""

import ipaddress
import os
import secrets
from datetime import datetime, timezone
from pathlib import Path

DEFAULTS = {
    "IVR_ENV": "development",
    "IVR_USERNAME": None,
    "IVR_PASSWORD": None,
    # Zero-downtime rotation: the previous password is still accepted until this moment.
    "IVR_PREVIOUS_PASSWORD": None,
    "IVR_PREVIOUS_PASSWORD_UNTIL": None,
    "CHECKOUT_API_TOKEN": None,
    # The sandbox (services/sandbox.py, docs/VENDOR_GUIDE.md); unset: no sandbox.
    "IVR_SANDBOX_USERNAME": None,
    "IVR_SANDBOX_PASSWORD": None,
    "CHECKOUT_API_SANDBOX_TOKEN": None,
    "DATABASE_URL": None,
    "REDIS_URL": None,
    "SECRET_KEY": None,
    "IVR_ORDER_TTL_SECONDS": 3600,
    "IVR_ALLOWED_IPS": None,
    "IVR_LOCKOUT_THRESHOLD": 10,
    "IVR_LOCKOUT_SECONDS": 900,
    "IVR_TRUSTED_PROXIES": 0,
    "IVR_DEFAULT_CURRENCY": "TRY",
    # The home country's calling code, digits only: the admin's phone search drops it (and a
    # leading 0), so "+90 532 …", "0532 …" and "532 …" find one customer.
    "IVR_PHONE_COUNTRY_CODE": "90",
    "IVR_TIMEZONE": "UTC",
    # The admin's language (en or tr) for the login page and staff without a preference of
    # their own (ivr_module/i18n.py); checked at start.
    "IVR_DEFAULT_LOCALE": "en",
    # Admin login: tries per (username, address) and per address in each window (admin/throttle.py).
    "IVR_ADMIN_LOGIN_FREE_ATTEMPTS": 5,
    "IVR_ADMIN_LOGIN_ADDRESS_ATTEMPTS": 20,
    "IVR_ADMIN_LOGIN_WINDOW_SECONDS": 900,
    # An admin session unused this long is logged out.
    "IVR_ADMIN_SESSION_IDLE_SECONDS": 8 * 3600,
    # Where the module's pages live in the app (docs/EMBEDDING.md); "" is the app's root.
    "IVR_HOOKS_URL_PREFIX": "/hooks/ivr",
    "IVR_API_URL_PREFIX": "/api",
    "IVR_ADMIN_URL": "/admin",
    "IVR_OPS_URL_PREFIX": "",
    # With IVRModule(staff_role=...) and a host login that is not Flask-Login's: its endpoint.
    "IVR_HOST_LOGIN_ENDPOINT": None,
    # PostgreSQL is reached through PgBouncer in transaction pooling mode: nothing may rely on
    # a database session outliving its transaction (docs/OPERATIONS.md, "Behind PgBouncer").
    "IVR_TRANSACTION_POOLING": False,
    # A hook body must arrive whole within this time (a trickling client is cut off).
    "IVR_HOOK_BODY_READ_TIMEOUT_SECONDS": 10,
    # Named checkout API tokens, "name:token,name:token", beside (or instead of) CHECKOUT_API_TOKEN.
    "CHECKOUT_API_TOKENS": None,
    # Events for the storefront (docs/OPERATIONS.md): no URL, no sending; events are kept.
    "IVR_WEBHOOK_URL": None,
    "IVR_WEBHOOK_SECRET": None,
    "IVR_WEBHOOK_TIMEOUT_SECONDS": 10,
    # The first retry waits about this long, each next one twice as long; after the retry
    # window an event is given up (failed).
    "IVR_WEBHOOK_BACKOFF_SECONDS": 30,
    "IVR_WEBHOOK_RETRY_SECONDS": 86400,
    # The worker's queue on SQLite hosts (no REDIS_URL); default: the instance folder.
    "IVR_QUEUE_FILE": None,
    # The worker deletes hook-call rows older than this every night; 0 keeps them all.
    "IVR_HOOK_CALL_RETENTION_DAYS": 0,
    # The settlement CSV's column names, by our field names (JSON in the environment); a file
    # named as here needs no setting. docs/OPERATIONS.md, "Settlement files".
    "IVR_SETTLEMENT_COLUMNS": {
        "reference_number": "reference_number", "order_number": "order_number",
        "amount": "amount", "currency": "currency", "staff_id": "staff_id", "time": "time",
    },
}

# Settings read from the environment as whole numbers: those whose default is one, so a new
# integer setting cannot be forgotten here. IVR_TRUSTED_PROXIES may be CIDRs as well
# (ivr_module.remote_address parses it).
INTEGER_SETTINGS = {
    key for key, value in DEFAULTS.items() if isinstance(value, int) and not isinstance(value, bool)
} - {"IVR_TRUSTED_PROXIES"}
BOOLEAN_SETTINGS = {key for key, value in DEFAULTS.items() if isinstance(value, bool)}
BOOLEAN_WORDS = {"1": True, "true": True, "yes": True, "on": True,
                 "0": False, "false": False, "no": False, "off": False, "": False}

# Keys that are published or guessable; a production start refuses them.
WEAK_SECRET_KEYS = {"dev", "development", "secret", "changeme", "change-me", "test"}

HOOK_BODY_LIMIT = 1024 * 1024


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the app refuses to start."""


def from_environment(environ=os.environ) -> dict:
    """Read every known setting that is present in the environment, typed."""
    settings = {}
    for key in DEFAULTS:
        if key not in environ:
            continue
        value = environ[key]
        if key in INTEGER_SETTINGS:
            try:
                value = int(value)
            except ValueError:
                raise ConfigError(f"{key} must be a whole number, got {value!r}") from None
        elif key in BOOLEAN_SETTINGS:
            value = _boolean(key, value)
        settings[key] = value
    return settings


def _boolean(key: str, value: str) -> bool:
    try:
        return BOOLEAN_WORDS[value.strip().lower()]
    except KeyError:
        raise ConfigError(f"{key} must be true or false, got {value!r}") from None


def is_development(config) -> bool:
    """Whether the app runs for a developer (or tests) rather than in production."""
    return config.get("TESTING") or config["IVR_ENV"] == "development"


def parse_allowed_networks(value) -> list:
    """Turn the IVR_ALLOWED_IPS setting (CIDRs, comma or space separated) into networks."""
    if not value:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    try:
        return [ipaddress.ip_network(item.strip(), strict=False) for item in value]
    except ValueError as error:
        raise ConfigError(f"IVR_ALLOWED_IPS: {error}") from None


def parse_rotation_end(config):
    """When the previous IVR password stops working (aware UTC), or None if there is none."""
    previous, until = config.get("IVR_PREVIOUS_PASSWORD"), config.get("IVR_PREVIOUS_PASSWORD_UNTIL")
    if not previous:
        return None
    if not until:
        raise ConfigError("IVR_PREVIOUS_PASSWORD needs IVR_PREVIOUS_PASSWORD_UNTIL (the end of the window)")
    try:
        end = until if isinstance(until, datetime) else datetime.fromisoformat(str(until))
    except ValueError:
        raise ConfigError(f"IVR_PREVIOUS_PASSWORD_UNTIL is not an ISO 8601 time: {until!r}") from None
    if end.tzinfo is None:
        raise ConfigError("IVR_PREVIOUS_PASSWORD_UNTIL needs a time zone, e.g. 2026-12-01T06:00:00Z")
    return end.astimezone(timezone.utc)


def check_webhook_settings(config) -> None:
    """Events are sent only to an http(s) URL, signed with a whsec_ secret (Standard Webhooks)."""
    from standardwebhooks import Webhook

    url, secret = config.get("IVR_WEBHOOK_URL"), config.get("IVR_WEBHOOK_SECRET")
    if not url:
        return
    if not str(url).startswith(("http://", "https://")):
        raise ConfigError("IVR_WEBHOOK_URL must be an http:// or https:// URL")
    if not secret or not str(secret).startswith("whsec_"):
        raise ConfigError("IVR_WEBHOOK_URL needs IVR_WEBHOOK_SECRET: whsec_ followed by base64")
    try:
        Webhook(secret)
    except Exception:  # noqa: BLE001 - whatever the decoder raises, the secret is unusable
        raise ConfigError("IVR_WEBHOOK_SECRET is not whsec_ followed by base64") from None


def check_phone_country_code(config) -> None:
    """The home calling code is 1 to 3 digits, no `+`: the phone search compares digits only."""
    code = str(config.get("IVR_PHONE_COUNTRY_CODE"))
    if not (code.isascii() and code.isdigit() and 1 <= len(code) <= 3):
        raise ConfigError(f"IVR_PHONE_COUNTRY_CODE must be 1 to 3 digits without +, e.g. 90, got {code!r}")


def api_tokens(config) -> list[tuple[str, str]]:
    """(name, token) pairs: CHECKOUT_API_TOKENS ("name:token,...") and CHECKOUT_API_TOKEN ("checkout")."""
    pairs = []
    for item in (config.get("CHECKOUT_API_TOKENS") or "").split(","):
        name, _, token = item.strip().partition(":")
        if name.strip() and token.strip():
            pairs.append((name.strip(), token.strip()))
    if config.get("CHECKOUT_API_TOKEN"):
        pairs.append(("checkout", config["CHECKOUT_API_TOKEN"]))
    return pairs


def database_uri(config, instance_path: str) -> str:
    """The SQLAlchemy URL: DATABASE_URL on psycopg 3, or a SQLite file in the instance folder."""
    url = config.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "ivr.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# A PostgreSQL that vanishes without closing connections (a dead host, a dropped route) must
# end in `Service unavailable` within seconds, not in a hung worker.
POSTGRES_CONNECT_ARGS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 10000,
}


def postgres_connect_args(transaction_pooling: bool) -> dict:
    """psycopg connection arguments; behind a transaction pooler, no server-side prepared statements.

    psycopg prepares a statement on the server once a connection has run it a few times; the
    next transaction may run on another server connection, where that statement does not exist.
    """
    if transaction_pooling:
        return {**POSTGRES_CONNECT_ARGS, "prepare_threshold": None}
    return POSTGRES_CONNECT_ARGS


def engine_options(uri: str, transaction_pooling: bool = False) -> dict:
    """Pool settings; idle PostgreSQL connections are checked before use (db.ping_idle_connections)."""
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {
        "pool_size": 10,
        "max_overflow": 10,
        "pool_timeout": 10,
        "connect_args": postgres_connect_args(transaction_pooling),
    }


def cache_config(config) -> dict:
    """Flask-Caching settings for the module's own cache: Redis when REDIS_URL is set; JSON only."""
    common = {
        "CACHE_KEY_PREFIX": "ivr:",
        "CACHE_DEFAULT_TIMEOUT": 300,
        # Otherwise delete_many raises when another worker refills a key between the delete
        # and cachelib's check that it is gone: a fresh value there is no error.
        "CACHE_IGNORE_ERRORS": True,
    }
    if config.get("REDIS_URL"):
        return {
            **common,
            "CACHE_TYPE": "ivr_module.cache_backends.JSONRedisCache",
            "CACHE_REDIS_URL": config["REDIS_URL"],
            # Short timeouts: a dead Redis must cost a call milliseconds, not seconds.
            "CACHE_OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    return {**common, "CACHE_TYPE": "ivr_module.cache_backends.JSONSimpleCache", "CACHE_THRESHOLD": 10000}


def ensure_secret_key(app) -> None:
    """Give development a key kept in the instance folder; insist on a real one in production."""
    key = app.config.get("SECRET_KEY")
    if is_development(app.config):
        if not key:
            app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
        return
    if not key or key in WEAK_SECRET_KEYS or len(key) < 32:
        raise ConfigError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production"
        )


def _instance_secret_key(instance: Path) -> str:
    """Read the development secret key from the instance folder, creating it on first use."""
    path = instance / "secret_key"
    instance.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()
