"""IVRModule: the Flask extension a host app embeds; the standalone app is one such host.

    IVRModule(app, db=host_db)       # or IVRModule(app): the host's registered db, else its own

Everything it adds is its own: blueprints under its prefixes (IVR_HOOKS_URL_PREFIX,
IVR_API_URL_PREFIX, IVR_ADMIN_URL, IVR_OPS_URL_PREFIX), request handling scoped to them
(request_scope.py), its cache, its CLI group and its migrations with their own version table.
The host's error pages, body limit, proxies, secret key, cookies and login stay the host's; so
does its Flask-Babel, if it has one (the admin's translations are a domain of their own, i18n.py).
"""

import logging

from flask_sqlalchemy import SQLAlchemy

from . import config, i18n, request_scope
from .admin import init_admin
from .attempts import attempts_for_cache
from .cache import CacheHealth, cache
from .db import Base, configure_sqlite, ping_idle_connections
from .remote_address import trusted_proxies_of
from .services.hook_log import HookLogWriter
from .services.sandbox import check_sandbox_settings

logger = logging.getLogger(__name__)


class IVRState:
    """Per-app state of the module, kept in app.extensions["ivr"]."""

    def __init__(self, app, db: SQLAlchemy):
        self.db = db
        self.allowed_networks = config.parse_allowed_networks(app.config["IVR_ALLOWED_IPS"])
        self.previous_password_until = config.parse_rotation_end(app.config)
        config.check_webhook_settings(app.config)
        config.check_phone_country_code(app.config)
        check_sandbox_settings(app.config)
        self.cache_health = CacheHealth()
        self.hook_log = None  # set once the engine is known (init_app)
        # Blueprint names of the module's own pages (request_scope.py), filled at registration.
        self.blueprints: set[str] = set()
        self.attempts = None  # credential-check admission beside the cache, once it is set up
        # Read per request by remote_address(); the host's requests are never rewritten.
        self.trusted_proxies = trusted_proxies_of(app.config)
        self.huey = None  # the worker's queue, built on first use (ivr_module.worker)


class IVRModule:
    """Hooks, checkout API, admin dashboard, models, cache and CLI of the IVR payment service."""

    def __init__(self, app=None, db: SQLAlchemy | None = None, staff_role=None):
        self.db = db
        # staff_role(host_user) -> "admin" | "callcentre" | "support" | None: the host's login
        # decides who reaches the admin (docs/EMBEDDING.md); None keeps the module's accounts.
        self.staff_role = staff_role
        if app is not None:
            self.init_app(app)

    def init_app(self, app) -> None:
        """Configure and register everything on `app` (the app itself is not stored)."""
        for key, value in config.DEFAULTS.items():
            app.config.setdefault(key, value)
        owns_database = self.db is None and "sqlalchemy" not in app.extensions
        db = self._database(app)
        state = app.extensions["ivr"] = IVRState(app, db)
        with app.app_context():
            if db.engine.dialect.name == "sqlite":
                configure_sqlite(db.engine)
            elif owns_database:  # a host's engine keeps the host's pool settings
                ping_idle_connections(db.engine)
            state.hook_log = HookLogWriter(
                db.engine.url.render_as_string(hide_password=False), app.config["IVR_TRANSACTION_POOLING"]
            )
        cache.init_app(app, config=config.cache_config(app.config))
        state.attempts = attempts_for_cache(app)
        self._register_blueprints(app, state)
        init_admin(app, staff_role=self.staff_role)
        i18n.init_app(app)  # the host's Flask-Babel kept if it has one (i18n.py)
        request_scope.init_app(app)
        _warn_about_missing_host_settings(app)

    def _database(self, app) -> SQLAlchemy:
        """The host's Flask-SQLAlchemy instance; the module's own only when the host has none."""
        if self.db is not None:
            return self.db
        registered = app.extensions.get("sqlalchemy")
        if registered is not None:
            return registered
        uri = config.database_uri(app.config, app.instance_path)
        app.config.setdefault("SQLALCHEMY_DATABASE_URI", uri)
        app.config.setdefault(
            "SQLALCHEMY_ENGINE_OPTIONS", config.engine_options(uri, app.config["IVR_TRANSACTION_POOLING"])
        )
        own = SQLAlchemy(metadata=Base.metadata)
        own.init_app(app)
        return own

    @staticmethod
    def _register_blueprints(app, state: IVRState) -> None:
        from .api import bp as api_bp
        from .cli import ivr_cli
        from .hooks import bp as hooks_bp
        from .openapi import bp as openapi_bp
        from .ops import bp as ops_bp

        prefixes = {
            ops_bp: app.config["IVR_OPS_URL_PREFIX"],
            hooks_bp: app.config["IVR_HOOKS_URL_PREFIX"],
            api_bp: app.config["IVR_API_URL_PREFIX"],
            openapi_bp: app.config["IVR_OPS_URL_PREFIX"],
        }
        for blueprint, prefix in prefixes.items():
            app.register_blueprint(blueprint, url_prefix=prefix.rstrip("/") or None)
            state.blueprints.add(blueprint.name)
        app.cli.add_command(ivr_cli)


def _warn_about_missing_host_settings(app) -> None:
    """Say at start what the host must still provide; embedded, the module sets none of it."""
    if not app.config.get("SECRET_KEY"):
        logger.warning(
            "ivr_module: the app has no SECRET_KEY; the admin's sessions and CSRF tokens need one"
        )
    if not app.config.get("IVR_USERNAME") or not app.config.get("IVR_PASSWORD"):
        logger.warning("ivr_module: IVR_USERNAME/IVR_PASSWORD are not set; the hooks refuse every call")
