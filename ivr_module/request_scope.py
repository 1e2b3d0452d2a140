"""What the module does to a request, only ever to its own: ids, body limits, JSON 404/405.

A host's pages, error handlers and body limits stay the host's. The module's own requests are
those its blueprints serve; a URL that matched no route belongs to it when it lies under the
checkout API's prefix, which then answers 404 and 405 in the API's JSON shape.
"""

import uuid

from flask import current_app, g, request
from werkzeug.exceptions import MethodNotAllowed, NotFound

from .config import HOOK_BODY_LIMIT


def init_app(app) -> None:
    """Hook the module's per-request handling into `app` (it leaves other requests alone)."""
    app.before_request(_before_module_request)
    app.after_request(_after_module_request)


def is_module_request() -> bool:
    """Whether one of the module's own blueprints serves this request."""
    blueprint = request.blueprint
    if blueprint is None:
        return False
    admin = current_app.extensions.get("ivr_admin")
    return blueprint in current_app.extensions["ivr"].blueprints or (
        admin is not None and blueprint in admin.blueprints
    )


def _under_api_prefix(path: str) -> bool:
    prefix = current_app.config["IVR_API_URL_PREFIX"].rstrip("/")
    return path == prefix or path.startswith(prefix + "/")


def _before_module_request():
    routing_error = request.routing_exception
    if isinstance(routing_error, (NotFound, MethodNotAllowed)) and _under_api_prefix(request.path):
        from .api.errors import http_error

        _assign_request_id()
        return http_error(routing_error)
    if not is_module_request():
        return None
    _assign_request_id()
    # Bodies of the checkout API and the admin's forms are small. The hooks read theirs
    # themselves (hooks/parsing.py), to answer an over-large one in the seed's shape.
    request.max_content_length = HOOK_BODY_LIMIT
    return None


def _assign_request_id() -> None:
    """The caller's X-Request-ID when sane, else a fresh one; logs and answers carry it."""
    given = request.headers.get("X-Request-ID", "")
    sane = 0 < len(given) <= 64 and given.isascii() and given.isprintable()
    g.ivr_request_id = given if sane else uuid.uuid4().hex


def _after_module_request(response):
    if "ivr_request_id" in g:
        response.headers["X-Request-ID"] = g.ivr_request_id
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
