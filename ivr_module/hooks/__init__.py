"""The IVR vendor's two hooks: always HTTP 200, always the seed's JSON shape."""

from flask import Blueprint

from ..headers import nosniff

bp = Blueprint("ivr_hooks", __name__, url_prefix="/hooks/ivr")
bp.after_request(nosniff)

from . import views  # noqa: E402,F401  (registers the routes on bp)
