"""ivr_module: the IVR payment service of the platform (hooks, checkout API, staff dashboard)."""

from pathlib import Path

from flask import Flask

from . import config
from .extension import IVRModule

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["IVRModule", "create_app"]


def create_app(test_config=None) -> Flask:
    """Build the standalone app: settings, then the module embedded in it."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    # Settings in layers: instance/config.py, the environment, then the caller's. The safe
    # defaults under them all are filled in by IVRModule.init_app, as in any host app.
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config.from_environment())
    if test_config is not None:
        app.config.update(test_config)

    # The instance folder holds the SQLite database and the development secret key.
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    IVRModule().init_app(app)
    return app
