"""Rows for the staff report and reconciliation tests: payments and complete calls at set times."""

from decimal import Decimal

from ivr_module.db import db
from ivr_module.models import HookCall, IVRTransaction
from ivr_module.services.error_texts import HookError


def add_payment(app, make_pre_order, at, amount="10.00", currency="TRY", reference="R-1", staff_id="agent-1"):
    """A paid pre-order's transaction by one agent, recorded at `at`; returns the order number."""
    pre_order_id, number = make_pre_order()
    with app.app_context():
        db.session.add(IVRTransaction(
            reference_number=reference, order_number=number, staff_id=staff_id, amount=Decimal(amount),
            currency=currency, created_at=at, pre_order_id=pre_order_id,
        ))
        db.session.commit()
    return number


def add_complete_call(app, at, staff_id="agent-1", error=None, endpoint="complete"):
    """A hook-call row of a complete call that presented this staff id."""
    with app.app_context():
        db.session.add(HookCall(
            created_at=at, endpoint=endpoint, order_number="7000000017", staff_id=staff_id,
            success=error is None, error_text=error.value if error else "", detail="a detail",
            duration_ms=5, remote_addr="203.0.113.10",
        ))
        db.session.commit()


FAILED = HookError.SESSION_NOT_FOUND


def settlement_csv(*rows, header="reference_number,order_number,amount,currency,staff_id,time") -> bytes:
    """A settlement file of these rows (each a comma-joined line), UTF-8."""
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")
