"""Checkout API routes: thin wrappers around services/checkout.py."""

import json
from decimal import Decimal

from flask import current_app, jsonify, request
from flask_httpauth import HTTPTokenAuth
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from ..config import api_tokens
from ..services import checkout, sandbox
from ..services.audit import act_as
from ..services.compare import same_text
from . import bp
from .errors import checkout_error, database_error, error_response, http_error
from ..services.representations import pre_order_json, transaction_json

auth = HTTPTokenAuth(scheme="Bearer")


SANDBOX = sandbox.SANDBOX_CALLER


@auth.verify_token
def _verify_token(token: str):
    # No token configured refuses everyone. Every configured token is compared, in constant
    # time, whatever matched first: the time taken says nothing about which one is close.
    # The sandbox token works on sandbox pre-orders only (services/sandbox.py).
    tokens = api_tokens(current_app.config)
    if current_app.config.get("CHECKOUT_API_SANDBOX_TOKEN"):
        tokens.append((SANDBOX, current_app.config["CHECKOUT_API_SANDBOX_TOKEN"]))
    matched = None
    for name, expected in tokens:
        if same_text(token, expected) and matched is None:
            matched = name
    if matched is not None:
        act_as("api", matched)  # the audit log names the token that made each change
    return matched


def _live() -> bool:
    """Whether the caller holds a live token (else the sandbox one)."""
    return auth.current_user() != SANDBOX


@auth.error_handler
def _unauthorized(status):
    return error_response(status, "unauthorized", "a valid bearer token is required")


bp.before_request(auth.login_required(lambda: None))
bp.register_error_handler(checkout.CheckoutError, checkout_error)
bp.register_error_handler(HTTPException, http_error)
bp.register_error_handler(SQLAlchemyError, database_error)


def _body() -> dict:
    """The JSON body; money stays exact (numbers are read as Decimal)."""
    raw = request.get_data(cache=False)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw, parse_float=Decimal)
    except (ValueError, RecursionError):
        raise checkout.InvalidInput([("body", "is not valid JSON")]) from None


@bp.post("/pre-orders")
def open_pre_order():
    """Open a pre-order."""
    return jsonify(pre_order_json(checkout.open_pre_order(_body(), live=_live()))), 201


@bp.get("/pre-orders/<int:pre_order_id>")
def get_pre_order(pre_order_id):
    """Read a pre-order, with its status and, once paid, its transaction."""
    return jsonify(pre_order_json(checkout.get_pre_order(pre_order_id, live=_live())))


@bp.patch("/pre-orders/<int:pre_order_id>")
def change_pre_order(pre_order_id):
    """Change a pre-order's lines, shipping, currency or payment option."""
    return jsonify(pre_order_json(checkout.change_pre_order(pre_order_id, _body(), live=_live())))


@bp.post("/pre-orders/<int:pre_order_id>/order-number")
def issue_order_number(pre_order_id):
    """Issue or re-issue the order number the customer keys in."""
    pre_order, is_new = checkout.issue_order_number(pre_order_id, _body(), live=_live())
    return jsonify(pre_order_json(pre_order)), 201 if is_new else 200


@bp.post("/pre-orders/<int:pre_order_id>/cancel")
def cancel_pre_order(pre_order_id):
    """Cancel an unpaid pre-order."""
    return jsonify(pre_order_json(checkout.cancel_pre_order(pre_order_id, live=_live())))


@bp.get("/transactions")
def find_transactions():
    """IVR transactions for an order number or a reference number (reconciliation)."""
    found = checkout.find_transactions(
        order_number=request.args.get("order_number", "").strip(),
        reference_number=request.args.get("reference_number", "").strip(),
        live=_live(),
    )
    return jsonify({"transactions": [transaction_json(item) for item in found]})
