"""The checkout API: JSON over HTTP under /api/, bearer-token authenticated."""

from flask import Blueprint

from ..headers import nosniff

bp = Blueprint("ivr_api", __name__, url_prefix="/api")
bp.after_request(nosniff)

from . import views  # noqa: E402,F401  (registers the routes on bp)
