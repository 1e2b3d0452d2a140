"""ivr_module: the IVR payment service of the platform (hooks, checkout API, staff dashboard)."""

from pathlib import Path

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask_migrate import Migrate

from . import config
from .admin.security import configure_cookies
from .extension import IVRModule
from .resources import resource_path

__version__ = "0.2.0"

__all__ = ["IVRModule", "__version__", "create_app"]


def create_app(test_config=None) -> Flask:
    """Build the standalone app: the settings a host would own, then the module embedded in it."""
    # No static folder of its own: the module serves its assets under IVR_ADMIN_URL.
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    # Settings in layers: instance/config.py, the environment, then the caller's. The safe
    # defaults under them all are filled in by IVRModule.init_app, as in any host app.
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config.from_environment())
    if test_config is not None:
        app.config.update(test_config)

    # The instance folder holds the SQLite database and the development secret key.
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    # What a host app owns, set here for the standalone app only.
    app.config.setdefault("IVR_ENV", config.DEFAULTS["IVR_ENV"])
    config.ensure_secret_key(app)
    configure_cookies(app)
    app.session_interface = CookielessRequestSessions()
    if not config.is_development(app.config):
        app.after_request(send_hsts)

    IVRModule().init_app(app)
    # `flask --app wsgi db upgrade` runs the module's migrations, as `flask ivr db upgrade` does.
    Migrate(app, app.extensions["ivr"].db, directory=str(resource_path("migrations")))
    return app


class CookielessRequestSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a request that sent no cookie gets its empty session
    without a signer being built. The hooks and the checkout API never send one, and building
    the signer cost each hook call a twentieth of its CPU (docs/BENCHMARKS.md)."""

    def open_session(self, app, request):
        if "HTTP_COOKIE" not in request.environ and app.secret_key:
            return self.session_class()  # what Flask opens for a request without the cookie
        return super().open_session(app, request)


# Production is served over HTTPS only (docs/OPERATIONS.md): browsers are told to keep it so.
HSTS = "max-age=31536000; includeSubDomains"


def send_hsts(response):
    """Every answer of the standalone app in production carries Strict-Transport-Security."""
    response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
