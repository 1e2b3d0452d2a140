"""JSON errors of the checkout API: {"error": {"code", "message", "field"?, "problems"?}}."""

import logging

from flask import jsonify
from werkzeug.exceptions import HTTPException

from ..db import db
from ..services.checkout import CheckoutError, InvalidInput

logger = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, **extra):
    """The one shape of every API error."""
    body = {"code": code, "message": message}
    body.update({key: value for key, value in extra.items() if value is not None})
    return jsonify({"error": body}), status


def checkout_error(error: CheckoutError):
    """A refused service operation, with its own status."""
    problems = None
    if isinstance(error, InvalidInput):
        problems = [{"field": field, "message": message} for field, message in error.problems]
    return error_response(error.status, error.code, error.message, field=error.field, problems=problems)


def http_error(error: HTTPException):
    """Any HTTP error raised under /api/, as JSON instead of an HTML page."""
    code = (error.name or "error").lower().replace(" ", "_")
    return error_response(error.code or 500, code, error.description or error.name)


def database_error(error):
    """The database failed; nothing was written (the transaction is rolled back)."""
    db.session.rollback()
    logger.error("checkout API: database error: %s", type(error).__name__)
    return error_response(503, "service_unavailable", "the database is unavailable, try again")
