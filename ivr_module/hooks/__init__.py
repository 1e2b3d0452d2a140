"""The IVR vendor's two hooks: always HTTP 200, always the seed's JSON shape."""

from flask import Blueprint

bp = Blueprint("ivr_hooks", __name__)  # mounted at IVR_HOOKS_URL_PREFIX

from . import views  # noqa: E402,F401  (registers the routes on bp)
