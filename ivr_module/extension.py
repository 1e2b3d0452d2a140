"""IVRModule: the Flask extension a host app embeds; the standalone app is one such host."""

from pathlib import Path

from flask_migrate import Migrate
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .cache import CacheHealth, cache
from .admin import init_admin
from .db import configure_sqlite, db
from .services.hook_log import HookLogWriter

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

migrate = Migrate()


class IVRState:
    """Per-app state of the module, kept in app.extensions["ivr"]."""

    def __init__(self, app):
        self.hook_log = HookLogWriter(app.config["SQLALCHEMY_DATABASE_URI"])
        self.allowed_networks = config.parse_allowed_networks(app.config["IVR_ALLOWED_IPS"])
        self.previous_password_until = config.parse_rotation_end(app.config)
        config.check_webhook_settings(app.config)
        self.cache_health = CacheHealth()
        self.huey = None  # the worker's queue, built on first use (ivr_module.worker)


class IVRModule:
    """Hooks, checkout API, admin dashboard, models, cache and CLI of the IVR payment service."""

    def __init__(self, app=None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app) -> None:
        """Configure and register everything on `app` (the app itself is not stored)."""
        for key, value in config.DEFAULTS.items():
            app.config.setdefault(key, value)
        config.ensure_secret_key(app)
        # Bodies of the checkout API (and admin forms) are small; the hooks read theirs
        # themselves, to answer an over-large one in shape. (Flask's own default is None.)
        if app.config.get("MAX_CONTENT_LENGTH") is None:
            app.config["MAX_CONTENT_LENGTH"] = config.HOOK_BODY_LIMIT
        uri = config.database_uri(app.config, app.instance_path)
        app.config.setdefault("SQLALCHEMY_DATABASE_URI", uri)
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", config.engine_options(uri))
        app.extensions["ivr"] = IVRState(app)
        proxies = app.config["IVR_TRUSTED_PROXIES"]
        if proxies:
            # Believe X-Forwarded-For/-Proto only as far back as our own proxies reach.
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

        db.init_app(app)
        with app.app_context():
            if db.engine.dialect.name == "sqlite":
                configure_sqlite(db.engine)
        migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
        cache.init_app(app, config=config.cache_config(app.config))

        self._register_blueprints(app)
        init_admin(app)

    @staticmethod
    def _register_blueprints(app) -> None:
        from .api import bp as api_bp
        from .api.errors import routing_error
        from .cli import ivr_cli
        from .hooks import bp as hooks_bp
        from .openapi import bp as openapi_bp
        from .ops import bp as ops_bp

        app.register_blueprint(ops_bp)
        app.register_blueprint(hooks_bp)
        app.register_blueprint(api_bp)
        app.register_blueprint(openapi_bp)
        app.register_error_handler(404, routing_error)
        app.register_error_handler(405, routing_error)
        app.cli.add_command(ivr_cli)
