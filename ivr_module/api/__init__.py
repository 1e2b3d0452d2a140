"""The checkout API: JSON over HTTP under /api/, bearer-token authenticated."""

from flask import Blueprint

bp = Blueprint("ivr_api", __name__)  # mounted at IVR_API_URL_PREFIX

from . import views  # noqa: E402,F401  (registers the routes on bp)
